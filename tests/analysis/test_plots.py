"""The plotting helpers: the raster's pixel layout, and the membrane recomputed from recorded inputs."""
import numpy as np
from hypothesis import given

from tinyspike.analysis.plots import lif_membrane, membrane_traces, raster_image, spike_raster
from tinyspike.neurons.lif import LIF
from tinyspike.neurons.surrogate import Sigmoid
from tinyspike.testing.strategies import seeds


@given(seed=seeds())
def test_raster_pixel_is_token_channel_step(seed):
    """pixel (c, j T + t) of the image is spike[t, j, c]."""
    rng = np.random.default_rng(seed)
    T, S, C = rng.integers(1, 5, 3)
    spikes = rng.integers(-1, 2, (T, S, C)).astype(np.float32)
    img = raster_image(spikes)
    assert img.shape == (C, S * T)
    t, j, c = rng.integers(0, T), rng.integers(0, S), rng.integers(0, C)
    assert img[c, j * T + t] == spikes[t, j, c]
    assert raster_image(spikes, max_channels=1).shape == (1, S * T)


@given(seed=seeds())
def test_recomputed_membrane_fires_where_the_neuron_fired(seed):
    """s_t = Heaviside(h_t - thr): the membrane recomputed from the recorded input gives the recorded spikes."""
    rng = np.random.default_rng(seed)
    neuron = LIF(1.0, tau=2.0, detach_reset=True, surrogate=Sigmoid(4.0))
    x = 2.0 * rng.standard_normal((4, 3, 5))
    spikes = neuron.forward(x)
    h = lif_membrane(neuron, x)
    np.testing.assert_array_equal(spikes, (h >= 1.0).astype(spikes.dtype))
    # the first step charges from v = 0: h_0 = x_0 / tau
    np.testing.assert_allclose(h[0], x[0] / 2.0)


def test_plots_draw(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    neuron = LIF(1.0)
    x = 2.0 * rng.standard_normal((4, 6))
    fig, (a, b) = plt.subplots(1, 2)
    spike_raster(a, neuron.forward(x[:, None, :]), title="site")
    membrane_traces(b, neuron, x, [0, 1], title="traces")
    fig.savefig(tmp_path / "p.png")
    plt.close(fig)
    assert len(b.lines) >= 2 and a.images

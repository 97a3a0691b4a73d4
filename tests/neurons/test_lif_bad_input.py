"""The LIF refuses what its kernel cannot take, in one line, before the kernel runs; NaN is visible."""
import numpy as np
import pytest

from tinyspike.neurons.lif import LIF, LIFConfig, lif_backward, lif_forward

BACKENDS = ["fast", "reference"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_gradient_shorter_than_the_input_is_refused_not_read_past(backend):
    """(4, 1) for a (4, 2_000_000) input: the kernel used to read 32 MB past the gradient."""
    layer = LIF(backend=backend)
    layer.forward(np.ones((4, 2_000_000), np.float32))
    with pytest.raises(ValueError, match=r"LIF backward: gradient ds must have the forward input's shape .*"
                                         r"\(4, 2000000\), got \(4, 1\)"):
        layer.backward(np.ones((4, 1), np.float32))


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_buffers_too_small_are_refused_not_written_past(backend):
    """lif_forward(x, out=(too-small arrays)) used to write past them and end the process (rc 139)."""
    x = np.ones((4, 1000), np.float32)
    with pytest.raises(ValueError, match=r"out s must have shape \(4, 1000\)"):
        lif_forward(x, out=(np.empty((4, 10), np.float32), np.empty(10, np.float32)), backend=backend)
    with pytest.raises(ValueError, match=r"out v must have shape \(1000,\) or \(0,\)"):
        lif_forward(x, out=(np.empty((4, 1000), np.float32), np.empty(10, np.float32)), backend=backend)
    with pytest.raises(ValueError, match="shares memory with an input"):
        lif_forward(x, out=(x, np.empty(1000, np.float32)), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_lif_backward_with_a_wrong_shape_gradient_is_a_value_error_not_a_system_error(backend):
    x = np.random.default_rng(0).standard_normal((3, 5, 6)).astype(np.float32)
    _, _, cache = lif_forward(x, None, 1.0, backend=backend)
    for ds in (np.ones((3, 5), np.float32), np.ones((3, 5, 7), np.float32), np.ones((1, 5, 6), np.float32)):
        with pytest.raises(ValueError, match="gradient ds must have"):
            lif_backward(ds, None, cache, backend=backend)
    with pytest.raises(ValueError, match="dv_last must have"):
        lif_backward(np.ones_like(x), np.ones(6, np.float32), cache, backend=backend)
    with pytest.raises(TypeError, match="gradient ds must be a real floating array"):
        lif_backward(np.ones(x.shape, np.complex64), None, cache, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int64, np.complex128, np.bool_])
def test_non_float_input_is_a_type_error(backend, dtype):
    with pytest.raises(TypeError, match="LIF: input must be a real floating numpy array"):
        LIF(backend=backend).forward(np.ones((2, 3), dtype))


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_input_is_visible_as_nan_spikes_never_as_silence(backend):
    """NaN used to vanish: 0 spikes. Now the neuron whose membrane is NaN spikes NaN from then on."""
    x = np.full((4, 3), 3.0, np.float32)
    x[1, 2] = np.nan
    s = LIF(backend=backend).forward(x)
    assert np.isnan(s[1:, 2]).all() and s[0, 2] == 1.0
    assert np.array_equal(s[:, :2], np.ones((4, 2), np.float32))
    assert np.isnan(s).any()                                        # visible downstream (sum, loss)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_threshold_is_refused(backend):
    with pytest.raises(ValueError, match="LIF: threshold is NaN"):
        LIF(thr=np.nan, backend=backend).forward(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="LIF: threshold is NaN"):
        lif_forward(np.ones((2, 3), np.float32), None, np.array([1.0, np.nan, 1.0]), LIFConfig(), backend=backend)

"""The Gaussian-tail prediction of saturation after a randomized Hadamard, against real LIF runs.

Tolerance: the measured rate after one rotation is a mean of Bernoulli outcomes with probability
about p (the prediction). For zero-mean families every token's channels are independent draws, so the
N n neurons are the independent units and the rate's standard error is sqrt(p (1 - p) / (N n)). With
channel means, coordinate i of every token carries the same offset (mu R)_i, so only the n coordinates
are independent: sqrt(p (1 - p) / n). We allow Z = 4 standard errors (two-sided, a chance of 6e-5 per
check of failing by sampling alone). The families stay in the well-mixing regime the prediction is
about: no channel holds more than a few percent of a token's energy (outlier channels: at least n / 16
of them, at most 4x the others' scale).
"""
import math

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from tinyspike.analysis import (gaussian_tail, lif_saturation_level, predicted_saturation_after_rotation,
                                predicted_saturation_after_rotation_over_time, saturation_report, token_rms)
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.neurons.lif import LIF
from tinyspike.neurons.stats import saturation_rate
from tinyspike.testing.strategies import seeds
from tinyspike.transforms import randomized_hadamard

Z = 4.0
T = 4
TOKENS = 64
WIDTHS = [128, 256, 512, 12 * 16, 12 * 32, 12 * 64]          # powers of two and 12 * 2^k
THR = 1.0
LEVEL = 2 * THR                                               # tau = 2, hard reset: x >= 2 thr saturates


def family(name: str, n: int, rng, tokens: int = TOKENS, offset: float = 0.0) -> np.ndarray:
    """(tokens, n) inputs of one family, unit variance per ordinary channel."""
    if name == "gaussian":
        return rng.standard_normal((tokens, n))
    if name == "laplace":
        return rng.laplace(0.0, 1 / math.sqrt(2), (tokens, n))
    if name == "outliers":                                    # zero-mean channels with a larger scale
        x = rng.standard_normal((tokens, n))
        k = int(rng.integers(n // 16, n // 8 + 1))
        x[:, rng.choice(n, k, replace=False)] *= rng.uniform(2.0, 4.0)
        return x
    if name == "channel_means":                               # a fixed mean per channel, same for every token
        return rng.standard_normal((tokens, n)) + offset + 0.5 * rng.standard_normal(n)
    raise ValueError(name)


def lif_saturation(x: np.ndarray) -> float:
    """Saturation rate of a real LIF (tau 2, hard reset, threshold THR) fed x at each of T steps."""
    xs = np.ascontiguousarray(np.broadcast_to(x.astype(np.float32), (T,) + x.shape))    # (T, N, n)
    return saturation_rate(LIF(THR, tau=2.0, detach_reset=True).forward(xs))


def scaled(x: np.ndarray, level_over_rms: float) -> np.ndarray:
    """x rescaled so that the saturation level sits at ``level_over_rms`` times its overall RMS."""
    return x * (LEVEL / (level_over_rms * math.sqrt(np.mean(x * x))))


def tolerance(p: float, units: int) -> float:
    return Z * math.sqrt(max(p * (1 - p), 1e-12) / units)


def measure(x: np.ndarray, seed: int):
    """(rate before, rate after x @ R, prediction, tolerance units) for inputs x (N, n)."""
    y = x @ randomized_hadamard(x.shape[-1], seed)
    return lif_saturation(x), lif_saturation(y), predicted_saturation_after_rotation(x, LEVEL)


families = st.sampled_from(["gaussian", "laplace", "outliers", "channel_means"])


@given(name=families, n=st.sampled_from(WIDTHS), level_over_rms=st.floats(1.0, 3.0), offset=st.floats(-1.0, 1.0),
       seed=seeds())
def test_rate_after_randomized_hadamard_is_the_gaussian_tail_at_each_tokens_rms(name, n, level_over_rms, offset,
                                                                                 seed):
    rng = np.random.default_rng(seed)
    x = scaled(family(name, n, rng, offset=offset), level_over_rms)
    _, after, predicted = measure(x, seed)
    units = n if name == "channel_means" else x.size
    note(f"after {after:.5f} predicted {predicted:.5f} tolerance {tolerance(predicted, units):.5f}")
    assert abs(after - predicted) <= tolerance(predicted, units)


@given(name=st.sampled_from(["laplace", "outliers"]), n=st.sampled_from(WIDTHS),
       level_over_rms=st.floats(2.8, 3.5), seed=seeds())
def test_rotation_lowers_saturation_where_the_zero_mean_tail_is_heavier_than_gaussian(name, n, level_over_rms,
                                                                                       seed):
    rng = np.random.default_rng(seed)
    x = scaled(family(name, n, rng, tokens=4 * TOKENS), level_over_rms)
    before, after, predicted = measure(x, seed)
    tol = tolerance(predicted, x.size)
    note(f"before {before:.5f} after {after:.5f} predicted {predicted:.5f}")
    assert before > predicted + 2 * tol           # heavy tail: more above the level than the Gaussian puts there
    assert after < before


@given(n=st.sampled_from([1024, 1536]), offset=st.floats(-1.5, -0.5), level_over_rms=st.floats(1.0, 2.0),
       seed=seeds())
def test_rotation_raises_saturation_where_a_negative_channel_mean_keeps_the_tail_light(n, offset, level_over_rms,
                                                                                       seed):
    """A Linear's negative offset: the mean keeps inputs under the level; the rotation spreads it as energy."""
    rng = np.random.default_rng(seed)
    x = scaled(family("channel_means", n, rng, offset=offset), level_over_rms)
    before, after, predicted = measure(x, seed)
    note(f"before {before:.5f} after {after:.5f} predicted {predicted:.5f}")
    assert before < predicted - tolerance(predicted, x.size)   # the prediction says: raised
    assert after > before + tolerance(predicted, n)             # and a single rotation does raise it


@given(name=st.sampled_from(["gaussian", "laplace"]), n=st.sampled_from(WIDTHS), level_over_rms=st.floats(0.6, 1.0),
       seed=seeds())
def test_rotation_raises_saturation_where_the_tail_above_a_low_level_is_lighter_than_gaussian(name, n,
                                                                                              level_over_rms, seed):
    """Laplace puts less mass than the Gaussian above one RMS; a near-Gaussian sample sits at its tail."""
    rng = np.random.default_rng(seed)
    x = scaled(family(name, n, rng, tokens=4 * TOKENS), level_over_rms)
    before, after, predicted = measure(x, seed)
    tol = tolerance(predicted, x.size)
    note(f"before {before:.5f} after {after:.5f} predicted {predicted:.5f}")
    if name == "laplace":
        assert before < predicted - 2 * tol and after > before
    else:
        assert abs(before - predicted) <= 2 * tol and abs(after - predicted) <= tol


@given(name=families, n=st.sampled_from(WIDTHS), seed=seeds())
def test_theorem_4_1_bounds_the_largest_entry_after_randomized_hadamard(name, n, seed):
    """P(max_i |(x R)_i| >= ||x|| sqrt(2/n log(2n/eps))) <= eps per token; outlier inputs lose their maximum."""
    eps = 0.1
    rng = np.random.default_rng(seed)
    x = family(name, n, rng, tokens=256, offset=1.0)
    y = x @ randomized_hadamard(n, seed)
    bound = np.linalg.norm(x, axis=-1) * math.sqrt(2 / n * math.log(2 * n / eps))
    exceed = float(np.mean(np.abs(y).max(-1) >= bound))
    assert exceed <= eps + tolerance(eps, x.shape[0])
    if name == "outliers":
        assert np.abs(y).max() < np.abs(x).max()


@given(thr=st.floats(0.1, 3.0), tau=st.floats(1.2, 4.0), charge=st.sampled_from(["decay_input", "leak"]),
       seed=seeds())
def test_saturation_level_is_the_input_above_which_every_step_fires(thr, tau, charge, seed):
    """Hard reset to 0: after each spike the neuron starts afresh, so it fires at every step iff min_t x_t >= level."""
    level = float(lif_saturation_level(thr, tau, charge))
    rng = np.random.default_rng(seed)
    x = level * rng.uniform(0.9, 1.1, (T, 4096))
    x[:, :4] = level * np.array([1 + 1e-9, 1 - 1e-9, 1 + 1e-9, 1 - 1e-9])[None]  # just either side of the level
    s = LIF(thr, tau=tau, charge=charge, leak=0.5).forward(x)
    assert np.array_equal(np.all(s != 0, axis=0), np.all(x >= level, axis=0))


def test_soft_reset_has_no_single_level():
    with pytest.raises(ValueError, match="hard reset"):
        lif_saturation_level(1.0, reset="soft")


def test_prediction_averages_each_tokens_tail_on_a_hand_made_case():
    """Two tokens of RMS 1 and 2 at level 2: (Q(2) + Q(1)) / 2; two blocks of RMS 1 and 3: (Q(2) + Q(2/3)) / 2."""
    q1, q2, q23 = 0.15865525393145707, 0.022750131948179195, 0.2524925375469229   # Q(1), Q(2), Q(2/3)
    a, b = np.ones(8), 2 * np.array([1, -1, 1, -1, 1, -1, 1, -1.0])
    assert predicted_saturation_after_rotation(np.stack([a, b]), 2.0) == pytest.approx((q2 + q1) / 2, rel=1e-12)
    c = np.concatenate([np.ones(4), 3 * np.ones(4)])
    assert token_rms(c, blocks=2) == pytest.approx([1.0, 3.0])
    assert predicted_saturation_after_rotation(c, 2.0, blocks=2) == pytest.approx((q2 + q23) / 2, rel=1e-12)
    assert predicted_saturation_after_rotation(c, 2.0) == pytest.approx(float(gaussian_tail(2.0, math.sqrt(5))))
    per_channel = np.array([2.0] * 4 + [1.0] * 4)            # a level per rotated coordinate
    assert predicted_saturation_after_rotation(a, per_channel) == pytest.approx((q2 + q1) / 2, rel=1e-12)


@given(n=st.sampled_from([128, 12 * 16]), level_over_rms=st.floats(1.0, 2.0), seed=seeds())
def test_prediction_over_time_matches_the_lif_after_rotation_of_time_varying_inputs(n, level_over_rms, seed):
    """Per token, T correlated steps: the Gaussian model's joint tail against a real LIF run on x_t @ R."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((TOKENS, n))
    x = shared[None] + 0.5 * rng.standard_normal((T, TOKENS, n))          # (T, N, n) partly constant
    x = x * (LEVEL / (level_over_rms * math.sqrt(np.mean(x * x))))
    after = saturation_rate(LIF(THR, tau=2.0).forward((x @ randomized_hadamard(n, seed)).astype(np.float32)))
    predicted = predicted_saturation_after_rotation_over_time(x, LEVEL, seed=seed + 1)
    # two independent estimates of p, each over N n neurons: their difference has twice the variance
    assert abs(after - predicted) <= Z * math.sqrt(2 * max(predicted * (1 - predicted), 1e-12) / (TOKENS * n))
    constant = np.broadcast_to(shared, (T, TOKENS, n))
    exact = predicted_saturation_after_rotation(shared, LEVEL)
    sampled = predicted_saturation_after_rotation_over_time(constant, LEVEL, seed=seed)
    assert abs(sampled - exact) <= tolerance(exact, TOKENS * n)


def test_saturation_report_puts_the_prediction_beside_the_measured_rate():
    """Block 0's first site sees the same input at every step: its field is the closed form on c p R^{-1}."""
    cfg = ModelConfig(vocab_size=30, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=8, T=4, h1="fixed",
                      h2="fixed", h3="fixed", h3_blocks=2)
    model = SequenceClassifier(cfg, 2)
    rng = np.random.default_rng(0)
    for p in model.parameters():
        p.value[...] += (0.5 * rng.standard_normal(p.shape)).astype(p.value.dtype)
    ids = rng.integers(1, 30, (3, 8))
    mask = np.ones_like(ids)
    mask[2, 4:] = 0
    report = saturation_report(model, (ids, np.zeros_like(ids), mask))
    from tinyspike.analysis.recording import record_sites
    from tinyspike.analysis.saturation import untransform
    rec = record_sites(model, (ids, np.zeros_like(ids), mask))[0]
    before = untransform(rec.inputs, rec.transform)[0][mask.astype(bool)]               # (N, n)
    row = report.sites[0]
    assert row.site == "attn_in"
    assert row.predicted_after_rotation == pytest.approx(predicted_saturation_after_rotation(before, 2 * rec.neuron.thr))
    assert all(0 <= r.predicted_after_rotation <= 1 for r in report.sites)
    assert "pred. rot." in report.table()

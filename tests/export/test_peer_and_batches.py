"""torch_peer_step times a real training step; the synthetic MLM batches are well formed."""
import numpy as np
import pytest

from tinyspike.data.masking import IGNORE
from tinyspike.export.batches import CLS, FIRST_WORD, MASK, synthetic_mlm_batch

from ._models import config


def test_synthetic_batches_mask_words_only_and_targets_are_the_hidden_words():
    rng = np.random.default_rng(0)
    ids, type_ids, mask, positions, targets = synthetic_mlm_batch(rng, 60, 16, 40, period=8)
    assert ids.shape == type_ids.shape == mask.shape == positions.shape == (16, 40)
    assert (ids[:, 0] == CLS).all() and not positions[:, 0].any()
    assert targets.shape == (positions.sum(),) and (targets >= FIRST_WORD).all() and IGNORE not in targets
    assert 0.05 < positions.mean() < 0.3                       # BERT's 15%
    assert (ids[positions] == MASK).mean() > 0.6                # 80% of them become [MASK]
    with pytest.raises(ValueError, match="vocab_size"):
        synthetic_mlm_batch(rng, 5, 2, 8)


def test_torch_peer_step_runs_a_training_step_and_reports_time_and_memory():
    pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")
    from benchmarks.torch_tools.peer import torch_peer_step
    result = torch_peer_step(config("smoothspike", "float32"), batch=2, seq=16, steps=2)
    assert set(result) == {"step_s", "peak_rss_mb"}
    assert 0 < result["step_s"] < 60 and result["peak_rss_mb"] > 50
    with pytest.raises(ValueError, match="steps"):
        torch_peer_step(config("spikingformer", "float32"), 2, 16, 0)


def test_bf16_disagreement_report_covers_every_neuron_and_the_fp32_yardstick():
    pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")
    from tinyspike.export.model import NEURONS
    from benchmarks.torch_tools.precision import spike_disagreement
    cfg = config("spikingformer", "float32")
    result = spike_disagreement(cfg, 2, 16)
    for run in ("bf16", "fp32_perturbed"):
        assert len(result[run]["differ_percent"]) == cfg.n_layers * len(NEURONS)
        assert all(0 <= v <= 100 for v in result[run]["differ_percent"].values())
        assert np.isfinite(result[run]["logit_error"])
    assert 0 < result["firing_percent"] < 100

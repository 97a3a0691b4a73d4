"""MLM pretraining: the corpus sources and their bad inputs, and a loss that goes down."""
import numpy as np
import pytest

from tinyspike.data.tokenizer import encode_batch, train_wordpiece
from tinyspike.data.toy import TOY_TASKS, make_toy_task
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM
from tinyspike.training.loop import LoopConfig, train_loop
from tinyspike.training.pretrain import corpus_texts, masked_accuracy, mlm_step, special_ids


def test_corpus_from_a_file_the_toy_suite_and_a_glue_folder(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("first line\n\n  second line  \n")
    assert corpus_texts(str(path)) == ["first line", "second line"]
    toy = corpus_texts("toy", toy_size=10)
    expected = sum(10 * (1 if make_toy_task(t, "train", 10).text_b is None else 2) for t in TOY_TASKS)
    assert len(toy) == expected
    (tmp_path / "glue" / "MRPC").mkdir(parents=True)
    (tmp_path / "glue" / "MRPC" / "train.tsv").write_text(
        "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA cat sat.\tThe cat sat.\n", encoding="utf-8")
    (tmp_path / "glue" / "MRPC" / "dev.tsv").write_text("never read\n")
    assert corpus_texts(None, tmp_path / "glue") == ["A cat sat.", "The cat sat."]
    assert corpus_texts(str(path), tmp_path / "glue") == ["first line", "second line", "A cat sat.", "The cat sat."]


def test_corpus_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="--corpus toy"):
        corpus_texts()
    with pytest.raises(FileNotFoundError, match="no corpus file"):
        corpus_texts(str(tmp_path / "absent.txt"))
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ValueError, match="empty"):
        corpus_texts(str(tmp_path / "empty.txt"))
    with pytest.raises(FileNotFoundError, match="SST-2"):
        corpus_texts(None, tmp_path)


def test_mlm_pretraining_lowers_the_held_out_masked_loss():
    texts = corpus_texts("toy", toy_size=200)
    tok = train_wordpiece(texts, vocab_size=128)
    encoded = encode_batch(tok, texts, None, 20)[:3]
    cfg = ModelConfig(vocab_size=tok.get_vocab_size(), d_model=32, n_layers=1, n_heads=2, d_ff=64, max_len=20, T=2)
    model = MaskedLM(cfg)
    held = tuple(a[:200] for a in encoded)
    before = masked_accuracy(model, held, tok)
    step = mlm_step(model, encoded, tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
    train_loop(model, step, len(texts), LoopConfig(epochs=2, batch=32, lr=3e-3), progress=False)
    after = masked_accuracy(model, held, tok)
    assert after["mlm_loss"] < before["mlm_loss"] - 0.5          # from chance, ln(vocab) ~ 4.8
    assert after["mlm_accuracy"] > before["mlm_accuracy"]


def test_mlm_step_predicts_only_the_chosen_positions_and_never_special_tokens():
    texts = ["the cat sat", "a dog ran far away"]
    tok = train_wordpiece(texts, vocab_size=40)
    ids, types, mask, _ = encode_batch(tok, texts, None, 10)
    seen = {}

    class Spy(MaskedLM):
        def forward(self, ids_, types_, mask_, positions):
            seen["positions"], seen["ids"] = positions, ids_
            return super().forward(ids_, types_, mask_, positions)

    cfg = ModelConfig(vocab_size=tok.get_vocab_size(), d_model=8, n_layers=1, n_heads=2, d_ff=16, max_len=10, T=2)
    model = Spy(cfg)
    step = mlm_step(model, (ids, types, mask), tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
    loss, backward = step(np.arange(2), np.random.default_rng(3))
    assert np.isfinite(loss) and seen["positions"].any()
    original = ids[:, :seen["positions"].shape[1]]
    assert not np.isin(original[seen["positions"]], special_ids(tok)).any()
    backward()

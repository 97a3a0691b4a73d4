"""WordPiece training, save/load, BERT-style pair encoding, truncation counting."""
import numpy as np
import pytest

from tinyspike.data.tokenizer import encode_batch, load_tokenizer, save_tokenizer, train_wordpiece
from tinyspike.data.toy import make_toy_task


def test_train_save_load_roundtrip_and_pair_encoding(tmp_path):
    data = make_toy_task("toy-order", "train", 300)
    tok = train_wordpiece(data.text_a + data.text_b, vocab_size=200)
    save_tokenizer(tok, tmp_path / "tokenizer.json")
    tok2 = load_tokenizer(tmp_path / "tokenizer.json")
    ids, types, mask, truncated = encode_batch(tok2, data.text_a[:4], data.text_b[:4], max_len=24)
    assert ids.shape == types.shape == mask.shape == (4, 24) and truncated == 0
    assert (ids[:, 0] == tok2.token_to_id("[CLS]")).all()
    assert (types[mask == 0] == 0).all() and types.max() == 1
    assert (ids[mask == 0] == tok2.token_to_id("[PAD]")).all()
    assert tok2.encode("THE Cat").tokens == ["[CLS]", "the", "cat", "[SEP]"]   # lower-cased


def test_truncation_is_counted(tmp_path):
    tok = train_wordpiece(["a b c d e f g h"] * 5, vocab_size=60)
    _, _, _, truncated = encode_batch(tok, ["a b c d e f g h", "a"], None, max_len=5)
    assert truncated == 1


def test_load_refuses_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_tokenizer(tmp_path / "tokenizer.json")

"""Masked-LM pretraining (BERT's 15% masking, 80/10/10 replacement) on a text corpus.

The corpus is a text file (one passage a line), the toy-GLUE suite's training sentences, or the
sentences of the GLUE training sets found under ``--glue-dir`` (never their dev sets). Each
sentence is one sequence ``[CLS] tokens [SEP]``; the loss is cross-entropy at the masked positions.
"""
from __future__ import annotations

import pathlib

import numpy as np

from ..data.glue import GLUE_TASKS, load_glue
from ..data.masking import IGNORE, mask_tokens
from ..data.toy import TOY_TASKS, make_toy_task
from ..io.files import read_utf8
from ..layers import cross_entropy_backward, cross_entropy_forward
from .finetune import trim_padding


def corpus_texts(corpus: str | None = None, glue_dir: str | pathlib.Path | None = None,
                 toy_size: int = 2000, seed: int = 0) -> list[str]:
    """Sentences to pretrain on: ``corpus`` ('toy' or a text file) and/or the GLUE training text."""
    if corpus is None and glue_dir is None:
        raise ValueError("no corpus: give --corpus toy, --corpus FILE (one passage a line), or --glue-dir DIR")
    texts: list[str] = []
    if corpus == "toy":
        for task in TOY_TASKS:
            split = make_toy_task(task, "train", toy_size, seed)
            texts += split.text_a + (split.text_b or [])
    elif corpus is not None:
        texts += _read_text_file(pathlib.Path(corpus))
    if glue_dir is not None:
        texts += glue_training_text(glue_dir)
    return texts


def _read_text_file(path: pathlib.Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"no corpus file at {path} (expected a UTF-8 text file, one passage a line, "
                                "or --corpus toy)")
    lines = [line.strip() for line in read_utf8(path).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError(f"{path}: the corpus file is empty (it holds no non-blank line)")
    return lines


def glue_training_text(glue_dir: str | pathlib.Path) -> list[str]:
    """Every sentence of every ``<Task>/train.tsv`` present under ``glue_dir``."""
    glue_dir = pathlib.Path(glue_dir)
    found = [key for key, spec in GLUE_TASKS.items() if (glue_dir / spec.folder / "train.tsv").is_file()]
    if not found:
        raise FileNotFoundError(f"no GLUE training file under {glue_dir}: expected <Task>/train.tsv in the standard "
                                f"GLUE layout, e.g. {glue_dir / 'SST-2' / 'train.tsv'}")
    texts: list[str] = []
    for key in found:
        split = load_glue(key, "train", glue_dir)
        texts += split.text_a + (split.text_b or [])
    return texts


def mlm_step(model, encoded: tuple, mask_id: int, vocab_size: int, special_ids: tuple[int, ...]):
    """The loop's step function for a ``MaskedLM``: corrupt the rows ``idx`` with the loop's generator,
    predict the chosen tokens, return the loss and its backward."""
    ids, types, mask = encoded

    def step(idx, rng):
        b_ids, b_types, b_mask = trim_padding(ids[idx], types[idx], mask[idx])
        corrupted, labels = mask_tokens(b_ids, rng, mask_id, vocab_size, special_ids)
        positions = labels != IGNORE
        if not positions.any():              # a tiny batch drew no position: predict its first token
            positions[0, 1 if b_ids.shape[1] > 1 else 0] = True
            labels[positions] = b_ids[positions]
        logits = model.forward(corrupted, b_types, b_mask, positions)
        loss, cache = cross_entropy_forward(logits, labels[positions])
        return loss, lambda: model.backward(cross_entropy_backward(cache).astype(logits.dtype))

    return step


def special_ids(tok) -> tuple[int, ...]:
    return tuple(i for i in (tok.token_to_id(t) for t in ("[PAD]", "[CLS]", "[SEP]", "[UNK]")) if i is not None)


def masked_accuracy(model, encoded: tuple, tok, seed: int = 0, batch: int = 64) -> dict[str, float]:
    """Top-1 accuracy and mean cross-entropy at a fixed draw of masked positions (same draw every call)."""
    rng = np.random.default_rng([seed, 2])
    mask_id, vocab, specials = tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok)
    correct = total = 0
    loss_sum = 0.0
    ids, types, mask = encoded
    for i in range(0, len(ids), batch):
        b_ids, b_types, b_mask = trim_padding(ids[i:i + batch], types[i:i + batch], mask[i:i + batch])
        corrupted, labels = mask_tokens(b_ids, rng, mask_id, vocab, specials)
        positions = labels != IGNORE
        if not positions.any():
            continue
        logits = model.forward(corrupted, b_types, b_mask, positions)
        loss, _ = cross_entropy_forward(logits, labels[positions])
        n = int(positions.sum())
        correct += int((logits.argmax(1) == labels[positions]).sum())
        loss_sum += float(loss) * n
        total += n
    return {"mlm_accuracy": correct / max(total, 1), "mlm_loss": loss_sum / max(total, 1)}

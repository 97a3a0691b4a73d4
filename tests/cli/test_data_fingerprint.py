"""``--resume`` checks the data: the checkpoint stores a fingerprint (task, source, sizes, a hash of the
encoded examples) and a resume on other data is refused, naming what differs."""
import pytest

from tinyspike.training.checkpoint import load_checkpoint

from .conftest import TINY, finetune_args


@pytest.fixture(scope="module")
def stopped(tmp_path_factory, toy_tokenizer):
    from tinyspike.cli import main

    out = tmp_path_factory.mktemp("stopped")
    assert main([str(a) for a in finetune_args(toy_tokenizer, out, "--stop-at", "2")]) == 0
    return out


def test_the_checkpoint_holds_the_data_fingerprint(stopped):
    data = load_checkpoint(stopped / "checkpoint.safetensors").extra["data"]
    assert data["task"] == "toy-negation" and data["source"] == "toy" and data["train_examples"] == 64
    assert data["dev_examples"] == 500 and len(data["sha256"]) == 64


@pytest.mark.parametrize("change, differs", [(["--task", "toy-order"], "task 'toy-negation' there, 'toy-order' now"),
                                             (["--toy-size", "80"], "train_examples 64 there, 80 now"),
                                             (["--limit", "60"], "train_examples 64 there, 60 now")])
def test_resume_on_other_data_is_refused(stopped, tinyspike, toy_tokenizer, change, differs):
    args = finetune_args(toy_tokenizer, stopped, "--stop-at", "2")
    for i in range(0, len(change), 2):
        if change[i] in args:
            args[args.index(change[i]) + 1] = change[i + 1]
        else:
            args += change[i:i + 2]
    before = (stopped / "checkpoint.safetensors").read_bytes()
    rc, _, err = tinyspike(*args, "--resume")
    assert rc == 1 and "was trained on other data" in err and differs in err, err
    assert (stopped / "checkpoint.safetensors").read_bytes() == before


def test_pretraining_resume_on_another_corpus_is_refused(tmp_path, tinyspike, toy_tokenizer):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\n" * 40)
    args = ["pretrain", "--tokenizer", toy_tokenizer, "--batch", "16", "--out", tmp_path / "run", *TINY]
    assert tinyspike(*args, "--corpus", "toy", "--limit", "64", "--stop-at", "2")[0] == 0
    rc, _, err = tinyspike(*args, "--corpus", corpus, "--limit", "64", "--resume")
    assert rc == 1 and "was trained on other data" in err and "source 'toy' there" in err
    corpus.write_text("the dog sat on the mat\n" * 64)      # same sizes, other sentences: the hash differs
    args2 = ["pretrain", "--tokenizer", toy_tokenizer, "--batch", "16", "--out", tmp_path / "run2", *TINY]
    assert tinyspike(*args2, "--corpus", corpus, "--stop-at", "2")[0] == 0
    corpus.write_text("the cow sat on the mat\n" * 64)
    rc, _, err = tinyspike(*args2, "--corpus", corpus, "--resume")
    assert rc == 1 and "sha256" in err


def test_a_checkpoint_without_a_fingerprint_resumes_with_a_note(tmp_path, tinyspike, toy_tokenizer):
    from tinyspike.training.checkpoint import save_checkpoint

    args = finetune_args(toy_tokenizer, tmp_path)
    assert tinyspike(*args, "--stop-at", "2")[0] == 0
    path = tmp_path / "checkpoint.safetensors"
    ck = load_checkpoint(path)          # as a checkpoint written before fingerprints were stored
    save_checkpoint(path, ck.params, ck.optimizer, ck.config, ck.rng_states,
                    {k: v for k, v in ck.extra.items() if k != "data"})
    rc, _, err = tinyspike(*args, "--resume")
    assert rc == 0 and "holds no data fingerprint: the data cannot be checked against it" in err
    assert load_checkpoint(path).extra["data"]["task"] == "toy-negation"

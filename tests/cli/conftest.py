"""Shared pieces for the CLI tests: running ``tinyspike`` in-process, a fixed tokenizer, a tiny model."""
import pytest

from tinyspike.cli import main

# a model small enough that a CLI run takes a second or two
TINY = ["--d-model", "16", "--layers", "1", "--heads", "2", "--T", "2", "--max-len", "24", "--no-progress"]


@pytest.fixture
def tinyspike(capsys):
    """tinyspike(*args) -> (exit code, stdout, stderr); a flag refused by the parser exits with 2."""
    def run(*args):
        capsys.readouterr()
        try:
            rc = main([str(a) for a in args])
        except SystemExit as done:
            rc = done.code
        out, err = capsys.readouterr()
        return rc, out, err
    return run


@pytest.fixture(scope="session")
def toy_tokenizer(tmp_path_factory):
    # trained once: `tokenizers`' WordPiece training is not reproducible from run to run, so runs
    # that must agree bit for bit share this file through --tokenizer
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    assert main(["tokenizer", "--corpus", "toy", "--vocab-size", "128", "--out", str(path)]) == 0
    return path


def finetune_args(tokenizer, out, *extra, task="toy-negation", toy_size=64, epochs=1, batch=16):
    """A tiny toy fine-tuning run into ``out`` with the shared tokenizer."""
    return ["finetune", "--task", task, "--toy-size", toy_size, "--tokenizer", tokenizer, "--epochs", epochs,
            "--batch", batch, "--out", out, *TINY, *extra]

"""A careless GLUE file is refused with file:line and the fix: other separators, non-UTF-8 bytes, an
STS-B score that is not a finite number in [0, 5], a split name that is not the task's."""
import pytest

from tinyspike.cli import main
from tinyspike.data.glue import load_glue, read_glue_tsv

STSB_HEADER = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"


def _stsb_row(score):
    return f"0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA man plays.\tA man is playing.\t{score}\n"


def _file(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("sep", [",", " ", ";"])
def test_a_file_separated_by_anything_but_tabs_names_file_and_line(tmp_path, sep):
    path = _file(tmp_path, "train.tsv", f"sentence{sep}label\na fine film{sep}1\n")
    with pytest.raises(ValueError, match=rf"{path}:1: expected 2 tab-separated columns for SST-2, found 1 \(is the "
                                         "file comma- or space-separated\\?\\)"):
        read_glue_tsv(path, "sst2")
    cola = _file(tmp_path, "cola.tsv", f"gj04{sep}1{sep}{sep}The sailors rode .\n")
    with pytest.raises(ValueError, match=rf"{cola}:1: expected 4 tab-separated columns for CoLA"):
        read_glue_tsv(cola, "cola")


def test_a_header_with_tabs_over_rows_without_them(tmp_path):
    path = _file(tmp_path, "train.tsv", STSB_HEADER + _stsb_row(3.0) + _stsb_row(2.0).replace("\t", ","))
    with pytest.raises(ValueError, match=rf"{path}:3: expected 10 tab-separated columns for STS-B"):
        read_glue_tsv(path, "stsb")


def test_bytes_that_are_not_utf8_name_file_and_line(tmp_path):
    path = _file(tmp_path, "train.tsv", "sentence\tlabel\nfine\t1\n".encode() + b"caf\xe9 noir\t0\n")
    with pytest.raises(ValueError, match=rf"{path}:3: byte 0xe9 is not UTF-8 text; save the file as UTF-8"):
        read_glue_tsv(path, "sst2")


@pytest.mark.parametrize("score", ["nan", "1e39", "-7", "99", "inf", "5.0001"])
def test_an_stsb_score_outside_0_to_5_is_refused(tmp_path, score):
    path = _file(tmp_path, "train.tsv", STSB_HEADER + _stsb_row(2.5) + _stsb_row(score))
    with pytest.raises(ValueError, match=rf"{path}:3: score '{score}' is not a finite number in \[0, 5\]"):
        read_glue_tsv(path, "stsb")


def test_the_ends_of_the_score_range_are_accepted(tmp_path):
    path = _file(tmp_path, "train.tsv", STSB_HEADER + _stsb_row("0") + _stsb_row("5.0"))
    assert read_glue_tsv(path, "stsb").labels.tolist() == [0.0, 5.0]


@pytest.mark.parametrize("split", ["../../x/train", "test", "dev_matched", "/etc/passwd"])
def test_only_the_tasks_own_split_names_are_read(tmp_path, split):
    with pytest.raises(ValueError, match=rf"unknown split '{split}' for GLUE task 'sst2': choose one of train, dev"):
        load_glue("sst2", split, tmp_path)


def test_mnli_accepts_its_own_dev_splits(tmp_path):
    header = "\t".join(f"c{i}" for i in range(11)) + "\n"
    row = "\t".join(["x"] * 8 + ["A man.", "A person.", "entailment"]) + "\n"
    (tmp_path / "MNLI").mkdir()
    for name in ("dev_matched", "dev_mismatched"):
        (tmp_path / "MNLI" / f"{name}.tsv").write_text(header + row)
        assert load_glue("mnli", name, tmp_path).labels.tolist() == [0]
    assert len(load_glue("mnli", "dev", tmp_path)) == 1


def test_finetune_on_a_comma_separated_file_is_one_line(tmp_path, capsys):
    (tmp_path / "SST-2").mkdir()
    for split in ("train", "dev"):
        (tmp_path / "SST-2" / f"{split}.tsv").write_text("sentence,label\na fine film,1\n")
    rc = main(["finetune", "--task", "sst2", "--glue-dir", str(tmp_path), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "train.tsv:1: expected 2 tab-separated columns" in err
    assert not (tmp_path / "run").exists()


def test_a_corpus_file_that_is_not_utf8_names_file_and_line(tmp_path):
    from tinyspike.training.pretrain import corpus_texts

    path = _file(tmp_path, "corpus.txt", "a first line\nsecond\n".encode() + b"caf\xe9\n")
    with pytest.raises(ValueError, match=rf"{path}:3: byte 0xe9 is not UTF-8 text"):
        corpus_texts(str(path))

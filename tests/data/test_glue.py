"""GLUE TSV reading: header rules, BOM, quotes as text, and errors that name file and line."""
import os
import pathlib

import numpy as np
import pytest

from tinyspike.data.glue import load_glue, read_glue_tsv

SHARED_GLUE = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "glue"


def _write(tmp_path, folder, name, text):
    d = tmp_path / folder
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_mrpc_bom_header_and_unbalanced_quotes(tmp_path):
    text = "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tHe said \" hi .\tShe said hi .\n"
    split = load_glue("MRPC", "dev", _write(tmp_path, "MRPC", "dev.tsv", text))
    assert split.text_a == ['He said " hi .'] and split.text_b == ["She said hi ."]
    assert split.labels.tolist() == [1]


def test_cola_has_no_header(tmp_path):
    text = "gj04\t1\t\tThe sailors rode .\ngj04\t0\t*\tRode sailors the .\n"
    split = load_glue("cola", "train", _write(tmp_path, "CoLA", "train.tsv", text))
    assert split.text_a == ["The sailors rode .", "Rode sailors the ."] and split.labels.tolist() == [1, 0]


def test_malformed_row_names_file_and_line(tmp_path):
    text = "sentence\tlabel\ngood .\t1\nbroken row without label\n"
    with pytest.raises(ValueError, match=r"train\.tsv:3: expected 2"):
        load_glue("sst2", "train", _write(tmp_path, "SST-2", "train.tsv", text))


def test_empty_file_and_unknown_task(tmp_path):
    with pytest.raises(ValueError, match="no data rows"):
        load_glue("sst2", "dev", _write(tmp_path, "SST-2", "dev.tsv", "sentence\tlabel\n"))
    with pytest.raises(ValueError, match="unknown GLUE task 'sst3'.*cola"):
        load_glue("sst3", "dev", tmp_path)


def test_missing_local_file_names_the_expected_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"RTE/dev\.tsv"):
        load_glue("rte", "dev", tmp_path)


@pytest.mark.skipif(not SHARED_GLUE.is_dir(), reason="the real GLUE files (../shared/data/glue) are not here")
@pytest.mark.parametrize("task,rows", [("cola", 1043), ("sst2", 872), ("mrpc", 408), ("stsb", 1500), ("rte", 277)])
def test_real_glue_dev_files_parse_with_the_documented_row_counts(task, rows):
    split = load_glue(task, "dev", SHARED_GLUE)
    assert len(split) == rows
    if task == "stsb":
        assert split.labels.min() >= 0 and split.labels.max() <= 5
    else:
        assert set(np.unique(split.labels)) <= {0, 1}

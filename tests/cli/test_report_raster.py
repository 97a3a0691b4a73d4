"""``tinyspike report`` draws the spike raster of a checkpoint (block 0, first sentence) as raster.png."""
import json

from .conftest import TINY


def test_report_writes_the_spike_raster(tinyspike, toy_tokenizer, tmp_path):
    assert tinyspike("pretrain", "--corpus", "toy", "--limit", "64", "--tokenizer", toy_tokenizer,
                     "--out", tmp_path / "pre", *TINY)[0] == 0
    rc, out, _ = tinyspike("report", "--checkpoint", tmp_path / "pre", "--n", "8", "--out", tmp_path / "report")
    assert rc == 0
    raster = tmp_path / "report" / "raster.png"
    assert json.loads(out.strip().splitlines()[-1])["raster"] == str(raster)
    assert raster.read_bytes()[:4] == b"\x89PNG"

"""``tinyspike report``: spike-saturation and energy report of a trained checkpoint on real inputs."""
from __future__ import annotations

import json
import pathlib

from ..cli import command
from ..io import check_output_folder
from ..training.finetune import trim_padding
from ..training.trained import load_trained
from ._common import encode_texts, load_split, subsample
from ._flags import non_empty, positive_int
from .finetune import dev_split_name


def _configure(p):
    p.add_argument("--checkpoint", required=True, help="a `tinyspike pretrain/finetune` --out folder or file")
    p.add_argument("--task", help="whose dev sentences to feed (default: the checkpoint's task, else toy-negation)")
    p.add_argument("--glue-dir", help="folder in the standard GLUE layout (default: the hub, when online)")
    p.add_argument("--n", type=positive_int, default=128, help="how many dev sentences to feed (default 128)")
    p.add_argument("--out", required=True, type=non_empty, help="folder for report.json, saturation.png and raster.png")
    p.add_argument("--force", action="store_true", help="replace report.json, saturation.png and raster.png if they exist")


def report_inputs(trained, task: str, glue_dir, n: int):
    """(ids, type_ids, attention_mask) of ``n`` dev sentences, padding columns trimmed."""
    split = subsample(load_split(task, dev_split_name(task), glue_dir), n, 0)
    encoded = encode_texts(trained.tokenizer, split.text_a, split.text_b, trained.config.max_len, "report")
    return trim_padding(*encoded)


@command("report", "spike saturation (with a histogram figure), a spike raster and energy estimate of a checkpoint",
         _configure)
def run(args) -> int:
    from ..analysis import energy_report, record_sites, saturation_report
    from ..analysis.plots import site_rasters

    check_output_folder(args.out, ("report.json", "saturation.png", "raster.png"), args.force)   # before any work
    trained = load_trained(args.checkpoint)
    inputs = report_inputs(trained, args.task or trained.extra.get("task") or "toy-negation", args.glue_dir, args.n)
    saturation, energy = saturation_report(trained.model, inputs), energy_report(trained.model, inputs)
    unfused = energy_report(trained.model, inputs, fused=False)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    saturation.plot(out / "saturation.png")
    site_rasters(record_sites(trained.model, inputs), out / "raster.png")      # block 0, first sentence
    (out / "report.json").write_text(json.dumps({"saturation": saturation.to_dict(), "energy": energy.to_dict(),
                                                 "energy_unfused": unfused.to_dict()}, indent=1) + "\n")
    print(json.dumps({"saturation_rate": saturation.overall_rate, "energy_mj": energy.total_mj,
                      "energy_unfused_mj": unfused.total_mj, "figure": str(out / "saturation.png"),
                      "raster": str(out / "raster.png"), "report": str(out / "report.json")}))
    return 0

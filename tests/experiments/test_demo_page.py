"""docs/demo.md's measurements are generated from results/demo/, and the demo criterion is computed right."""
import pathlib

from experiments.demo_report import BEGIN, END, criterion, probe_findings, render

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_demo_page_block_is_regenerated_from_the_result_files():
    page = (ROOT / "docs/demo.md").read_text(encoding="utf-8")
    block = page[page.index(BEGIN) + len(BEGIN):page.index(END)]
    assert block.strip() == render(ROOT / "results/demo").strip(), (
        "run PYTHONPATH=. python experiments/demo_report.py --results results/demo --docs docs/demo.md")


def _run(order_base, order_smooth, e_base=1.0, e_smooth=1.2):
    res = {}
    for task, metric in (("toy-negation", "accuracy"), ("toy-order", "accuracy"), ("toy-overlap", "pearson")):
        res[f"{task}/spikingformer"] = {metric: order_base if task == "toy-order" else 0.9, "energy_mj": e_base}
        res[f"{task}/smoothspike"] = {metric: order_smooth if task == "toy-order" else 0.9, "energy_mj": e_smooth}
    return {"command": "tinyspike demo --json --seed S", "epochs": 20, "results": res}


def test_criterion_on_hand_made_seeds():
    """Baseline toy-order 0.80, 0.82, 0.84 (mean 0.82, sd 0.02): SmoothSpike at 0.80 passes, at 0.79 fails;
    an energy ratio of 1.6 fails whatever the metrics."""
    seeds = {0: _run(0.80, 0.80), 1: _run(0.82, 0.80), 2: _run(0.84, 0.80)}
    table, verdicts, ok = criterion(seeds)
    assert ok and "| toy-order | accuracy | 0.820 ± 0.020 | 0.800 ± 0.000 | yes | 1.20 | – |" in table
    seeds = {0: _run(0.80, 0.79), 1: _run(0.82, 0.79), 2: _run(0.84, 0.79)}
    _, verdicts, ok = criterion(seeds)
    assert not ok and any("below by more than one standard deviation" in v for v in verdicts)
    seeds = {0: _run(0.8, 0.9, 1.0, 1.6), 1: _run(0.8, 0.9, 1.0, 1.6)}
    assert not criterion(seeds)[2]


def test_probe_findings_compare_the_fused_and_written_training_of_one_model():
    rows = [{"probe": p, "fold": f, "epochs": 10, "task": "toy-order", "seed": 0, "accuracy": a}
            for p, f, a in (("baseline", False, 0.8), ("fixed-h123", False, 0.5), ("fixed-h123", True, 0.7))]
    line, = probe_findings(rows)
    assert "as written reach 0.500" in line and "trained fused reaches 0.700" in line and "baseline 0.800" in line
    assert "closes 67% of the gap" in line

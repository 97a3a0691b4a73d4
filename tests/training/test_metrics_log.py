"""The JSON-lines metrics log and its curve figure."""
import pytest

from tinyspike.training.metrics_log import MetricsLog, plot_curves, read_metrics


def test_log_round_trips_and_truncates_to_a_checkpoint_step(tmp_path):
    log = MetricsLog(tmp_path / "sub" / "metrics.jsonl")
    records = [{"step": s, "loss": 1.0 / (s + 1)} for s in range(6)] + [{"step": 6, "split": "dev", "accuracy": 0.5}]
    for r in records:
        log.write(r)
    assert read_metrics(log.path) == records
    log.truncate_after(4)
    assert read_metrics(log.path) == records[:4]
    assert read_metrics(tmp_path / "absent.jsonl") == []


def test_a_damaged_log_line_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 0, "loss": 1.0}\n{"step": 1, "lo\n')
    with pytest.raises(ValueError, match=r"metrics.jsonl:2: not a JSON record"):
        read_metrics(path)


def test_curves_figure_is_a_png_even_with_non_finite_losses(tmp_path):
    records = [{"step": s, "loss": float("nan") if s == 3 else 2.0 - 0.1 * s} for s in range(8)]
    records += [{"step": 4, "split": "dev", "accuracy": 0.6}, {"step": 8, "split": "dev", "accuracy": 0.7}]
    path = plot_curves(records, tmp_path / "curves.png", "test")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000

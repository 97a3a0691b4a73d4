"""The error-table script runs, every bounded row is inside its bound, and the fitted rates are as predicted."""
from tinyspike.operators import tables


def test_error_tables_rows_within_bounds_and_rates_as_predicted(capsys):
    summary = tables.main(["--quick", "--no-time"])
    out = capsys.readouterr().out
    assert " NO" not in out                                   # no composite row outside its bound
    rates = summary["rates"]
    assert -2.1 < rates["exp_rel_vs_log2K"] < -1.9 and -2.1 < rates["exp2_rel_vs_log2K"] < -1.9
    assert -1.05 < rates["division_vs_n"] < -0.95
    assert -2.3 < rates["cordic_vs_n"] < -1.7
    assert out.strip().splitlines()[-1].startswith("{")       # one JSON line last

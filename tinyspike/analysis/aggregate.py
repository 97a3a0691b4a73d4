"""Aggregating per-site saturation statistics over sites: what each average is weighted by.

A site row (a ``SiteSaturation`` or its ``to_dict()``) holds ``neurons`` (the (token, channel) pairs
counted), ``saturation_rate`` and ``saturated_input_variance`` (the variance of the inputs of that site's
saturated neurons over their T steps; NaN when none saturated).

* The rate over sites is saturated neurons / counted neurons: site rates weighted by ``neurons``.
* The variance of saturated inputs over sites is the pooled within-site variance: site variances
  weighted by each site's number of *saturated* neurons, n_sat = rate * neurons. Weighting by
  ``neurons`` instead would let a site with 4 saturated neurons out of 2 million outweigh a site
  with thousands (tests/analysis/test_aggregate.py has such a case). The spread between the sites'
  means is left out on purpose: sites have their own thresholds and scales, and the paper's quantity
  (Fig. 6) is the spread of the inputs a site's saturated neurons flattened into one spike train.
* Before and after a rotation, per site: before is the site's own rate where it has no transform and the
  rate on its inputs rotated back where it has one; after is the reverse (the report's counterfactual).
  Both are rates, weighted by ``neurons`` over sites like the rate.
* The prediction's error is the mean over sites of |measured rate after rotation - predicted rate|,
  unweighted: each site is one test of the prediction.
"""
from __future__ import annotations

import math


def _get(row, key):
    return row[key] if isinstance(row, dict) else getattr(row, key)


def _kept(rows, exclude):
    return [r for r in rows if _get(r, "site") not in exclude]


def saturation_rate_over_sites(rows, exclude=()) -> float:
    """Saturated / counted neurons over the rows whose site is not in ``exclude`` (NaN when none)."""
    rows = _kept(rows, exclude)
    total = sum(_get(r, "neurons") for r in rows)
    return sum(_get(r, "saturation_rate") * _get(r, "neurons") for r in rows) / total if total else float("nan")


def saturated_neurons(row) -> float:
    """How many of the row's neurons were saturated."""
    return _get(row, "saturation_rate") * _get(row, "neurons")


def saturated_input_variance_over_sites(rows, exclude=()) -> float:
    """Pooled within-site variance of the saturated neurons' inputs: site variances weighted by their
    saturated-neuron counts (sites without a saturated neuron weigh nothing); NaN when no site has one."""
    pairs = [(_get(r, "saturated_input_variance"), saturated_neurons(r)) for r in _kept(rows, exclude)]
    pairs = [(v, n) for v, n in pairs if n > 0 and v is not None and not math.isnan(v)]
    total = sum(n for _, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else float("nan")


def _finite(v) -> bool:
    return v is not None and not math.isnan(v)


def rate_before_rotation(row) -> float:
    """The site's rate without a rotation: its own, or on its inputs rotated back where it has a transform."""
    return _get(row, "saturation_rate_untransformed") if _get(row, "transform") else _get(row, "saturation_rate")


def rate_after_rotation(row) -> float:
    """The site's rate with a rotation: its own where it has a transform, else the single-site counterfactual's."""
    return _get(row, "saturation_rate") if _get(row, "transform") else _get(row, "saturation_rate_rotated")


def weighted_rate(rows, rate, exclude=()) -> float:
    """Mean of ``rate(row)`` weighted by ``neurons`` over rows where it is finite (NaN when none)."""
    pairs = [(rate(r), _get(r, "neurons")) for r in _kept(rows, exclude)]
    pairs = [(v, n) for v, n in pairs if _finite(v)]
    total = sum(n for _, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else float("nan")


def prediction_abs_error(rows, exclude=()) -> float:
    """Mean over sites of |measured rate after rotation - predicted_after_rotation| (sites where both are finite)."""
    errs = [abs(rate_after_rotation(r) - _get(r, "predicted_after_rotation")) for r in _kept(rows, exclude)]
    errs = [e for e in errs if _finite(e)]
    return sum(errs) / len(errs) if errs else float("nan")

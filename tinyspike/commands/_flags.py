"""Flag types for argparse: a value is checked when it is parsed, so a bad one never reaches the library.

Each type raises ``argparse.ArgumentTypeError``; the parser turns it into one line
``tinyspike COMMAND: error: argument --FLAG: ...`` and exit code 2.
"""
from __future__ import annotations

import argparse
import math


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _bounded(parse, ok, what: str, doc: str):
    """A flag type: ``parse`` the text, then refuse a value for which ``ok(value)`` is false."""
    def flag_type(text: str):
        value = parse(text)
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    flag_type.__doc__ = doc
    return flag_type


positive_int = _bounded(_int, lambda v: v >= 1, "a positive whole number (1 or more)",
                        "An integer >= 1 (sizes, counts, steps).")
non_negative_int = _bounded(_int, lambda v: v >= 0, "a whole number >= 0",
                            "An integer >= 0 (0 means 'none' or 'only at the end', as the flag's help says).")
seed = _bounded(_int, lambda v: 0 <= v < 2 ** 63, "a seed in [0, 2^63)", "A seed for NumPy's generators.")
sequence_length = _bounded(_int, lambda v: v >= 3, "at least 3 tokens ([CLS], one token, [SEP])",
                           "A --max-len: [CLS], at least one token, [SEP].")
positive_float = _bounded(_float, lambda v: v > 0, "a finite number > 0",
                          "A finite number > 0 (learning rates, clip norms).")
non_negative_float = _bounded(_float, lambda v: v >= 0, "a finite number >= 0", "A finite number >= 0 (weight decay).")
fraction = _bounded(_float, lambda v: 0 <= v < 1, "a fraction in [0, 1)", "The warm-up share of all steps.")
non_empty = _bounded(str, lambda v: bool(v.strip()), "a non-empty value", "A path or name that is not blank.")

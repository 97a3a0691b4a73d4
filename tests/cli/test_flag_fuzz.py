"""Fuzzing every command's argument parser: whatever a flag is given (negative, zero, huge, NaN, inf,
empty, any string), parsing either yields a value inside the flag's documented range or exits with
code 2 and exactly one line on stderr; never a traceback. ``ModelConfig`` likewise accepts a field
or raises ``ValueError`` / ``MemoryError`` with a message that names it."""
import argparse
import contextlib
import io
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.cli import build_parser
from tinyspike.commands import _flags
from tinyspike.models.config import ModelConfig

# the documented range of each flag type, written out independently of its implementation
RANGES = {_flags.positive_int: lambda v: type(v) is int and v >= 1,
          _flags.non_negative_int: lambda v: type(v) is int and v >= 0,
          _flags.seed: lambda v: type(v) is int and 0 <= v < 2 ** 63,
          _flags.sequence_length: lambda v: type(v) is int and v >= 3,
          _flags.positive_float: lambda v: type(v) is float and math.isfinite(v) and v > 0,
          _flags.non_negative_float: lambda v: type(v) is float and math.isfinite(v) and v >= 0,
          _flags.fraction: lambda v: type(v) is float and 0 <= v < 1,
          _flags.non_empty: lambda v: type(v) is str and v.strip() != "",
          None: lambda v: type(v) is str}

PARSER = build_parser()
COMMANDS = PARSER._subparsers._group_actions[0].choices
FLAGS = [(name, action) for name, sub in COMMANDS.items() for action in sub._actions
         if action.option_strings and action.nargs is None and action.type is not argparse.FileType
         and not isinstance(action, (argparse._StoreTrueAction, argparse._HelpAction))]

values = st.one_of(st.integers(-10 ** 30, 10 ** 30).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.sampled_from(["", " ", "0", "-0", "1e400", "-inf", "nan", "0x10", "1_000", "３", "1e-320",
                                    "9" * 40, "-1", "2.5", "four", "../../etc/passwd"]),
                   st.text(max_size=12))


def _required(sub, skip):
    """Valid placeholder values for the command's other required flags."""
    argv = []
    for a in sub._actions:
        if a.required and a.option_strings and a is not skip:
            argv += [a.option_strings[0], "x"]
    return argv


def test_every_numeric_flag_uses_a_checked_type():
    loose = [f"{name} {a.option_strings[0]}" for name, a in FLAGS if a.type in (int, float)]
    assert not loose and all(a.type in RANGES for _, a in FLAGS if a.choices is None)


@pytest.mark.parametrize("command, action", FLAGS, ids=[f"{c}{a.option_strings[0]}" for c, a in FLAGS])
@given(value=values)
def test_a_flag_parses_into_its_documented_range_or_exits_with_one_line(command, action, value):
    argv = [command, *_required(COMMANDS[command], action), f"{action.option_strings[0]}={value}"]
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = PARSER.parse_args(argv)
    except SystemExit as done:
        lines = err.getvalue().splitlines()
        assert done.code == 2 and len(lines) == 1, lines
        assert lines[0].startswith(f"tinyspike {command}: error: argument {action.option_strings[0]}")
        return
    parsed = getattr(args, action.dest)
    if action.choices is not None:
        assert parsed in action.choices
    else:
        assert RANGES[action.type](parsed), (argv, parsed)


config_values = st.one_of(st.integers(-10 ** 12, 10 ** 12), st.floats(allow_nan=True, allow_infinity=True),
                          st.text(max_size=6), st.booleans(), st.none())


@given(field=st.sampled_from([f.name for f in ModelConfig.__dataclass_fields__.values()]), value=config_values)
def test_model_config_accepts_a_field_or_refuses_it_by_name(field, value):
    try:
        cfg = ModelConfig(**{field: value})
    except (ValueError, MemoryError) as err:
        assert str(err).startswith("ModelConfig: ") and "\n" not in str(err)
        assert field in str(err) or "needs about" in str(err) or "divisible" in str(err)
        return
    assert getattr(cfg, field) == value
    assert cfg.training_bytes() > 0

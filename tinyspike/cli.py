"""The ``tinyspike`` command line: one sub-command per job; later parts of the library add theirs."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]):
    """Register ``fn(args) -> exit code`` as ``tinyspike NAME``; ``configure`` adds its arguments."""
    def wrap(fn):
        _COMMANDS[name] = (help, configure, fn)
        return fn
    return wrap


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr (what, which flag, where to look) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import commands  # noqa: F401  (registers the sub-commands)

    parser = Parser(prog="tinyspike", description="Spiking transformers for language, in NumPy.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, (help_text, configure, _) in _COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)        # a bad flag: one line on stderr, SystemExit(2)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _COMMANDS[args.command][2](args) or 0
    except KeyboardInterrupt:
        print("\ninterrupted (the last checkpoint written, if any, is intact: rerun with --resume)", file=sys.stderr)
        return 130
    except _user_errors() as err:
        # bad input (a malformed file, an unknown task, a refused checkpoint, a NaN loss, a disk that
        # refuses a write): one clear line instead of a traceback; everything written before stays on disk
        print(f"tinyspike {args.command}: error: {error_line(err)}", file=sys.stderr)
        return 1


def error_line(err: BaseException) -> str:
    """One line for the user; an operating-system error names the path and the reason."""
    from .io.files import os_error_line

    if isinstance(err, OSError) and err.errno is not None:
        return os_error_line(err)
    return " ".join(str(err).split("\n"))


def _user_errors() -> tuple[type[BaseException], ...]:
    from .training.checkpoint import CheckpointError
    from .training.step import NonFiniteLossError

    return (ValueError, OSError, CheckpointError, NonFiniteLossError, MemoryError)

"""The driver: ``python -m experiments.run PLAN --glue-dir DIR --work DIR [--only PATTERN ...]``.

Runs the units of the plan in order and writes each finished unit's result to
``RESULTS/<unit id>.json`` (written to a temporary name, then renamed). A unit whose result file
exists is skipped, so a killed driver, started again with the same arguments, loses at most the unit
in progress, and that unit resumes from its last checkpoint (``WORK/runs/<unit>/``).

Several drivers may share a work folder: a unit is claimed with a lock file holding the driver's
process id (``WORK/runs/<unit>.lock``, created exclusively), a unit claimed by a live driver is passed
over, and a unit whose needs have no result yet waits for a later call.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import sys
import time

from .plan import PRESETS, Unit, select
from .units import Context, run_unit


def result_path(results: pathlib.Path, unit: Unit) -> pathlib.Path:
    return results / (unit.id.replace("/", "__") + ".json")


def write_json(path: pathlib.Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def claim(lock: pathlib.Path) -> bool:
    """Create ``lock`` holding our process id; False when a live process holds it (a dead one's is taken over)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            os.kill(int(lock.read_text() or 0), 0)
            return False                                  # its driver is alive
        except (ProcessLookupError, ValueError):
            lock.unlink(missing_ok=True)                  # left by a killed driver
            return claim(lock)
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    return True


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m experiments.run", description=__doc__.splitlines()[0])
    p.add_argument("plan", choices=list(PRESETS), help="smoke (seconds, tiny model) or cpu (the reduced real plan)")
    p.add_argument("--glue-dir", required=True, help="a folder in the standard GLUE layout (<Task>/train.tsv, dev.tsv)")
    p.add_argument("--work", required=True, help="folder for the tokenizer, run folders and checkpoints")
    p.add_argument("--results", help="folder for the result JSON files (default: WORK/results)")
    p.add_argument("--only", nargs="+", metavar="PATTERN",
                   help="run only the units whose id matches (shell-style), plus the units they need")
    p.add_argument("--list", action="store_true", help="print the selected units and whether each is done; run none")
    p.add_argument("--progress", action="store_true", help="progress bars")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    preset = PRESETS[args.plan]
    results = pathlib.Path(args.results or pathlib.Path(args.work) / "results")
    try:
        units = select(preset, args.only)
    except ValueError as e:
        print(f"experiments.run: error: {e}", file=sys.stderr)
        return 1
    if args.list:
        for unit in units:
            print(f"{'done' if result_path(results, unit).is_file() else 'todo'}  {unit.id}")
        return 0
    ctx = Context(preset, args.glue_dir, args.work, args.progress)
    t0 = time.perf_counter()
    for unit in units:
        path = result_path(results, unit)
        if path.is_file():
            print(f"skip  {unit.id} (done: {path})", flush=True)
            continue
        missing = [need.id for need in unit.needs if not result_path(results, need).is_file()]
        if missing:
            print(f"wait  {unit.id} (needs {', '.join(missing)}: run again later)", flush=True)
            continue
        lock = ctx.run_dir(unit).with_suffix(".lock")
        if not claim(lock):
            print(f"busy  {unit.id} (another driver runs it: {lock})", flush=True)
            continue
        if path.is_file():                                # finished by another driver since we looked
            lock.unlink(missing_ok=True)
            continue
        print(f"start {unit.id}", flush=True)
        try:
            record = run_unit(ctx, unit)
        finally:
            lock.unlink(missing_ok=True)
        record.update(plan=args.plan, preset=preset.__dict__,
                      finished=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
        write_json(path, record)
        print(f"done  {unit.id} in {record['seconds']:.1f} s: "
              + ", ".join(f"{k} {v:.4g}" for k, v in record["metrics"].items() if isinstance(v, float)), flush=True)
    left = sum(not result_path(results, u).is_file() for u in units)
    print(f"{len(units) - left} of {len(units)} selected units done ({time.perf_counter() - t0:.1f} s in this call)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

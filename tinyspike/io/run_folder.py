"""A run folder (``--out`` of pretrain and finetune): checked, locked and cleaned before any data is read.

- The folder must be a folder that can be written (checked first, so a bad ``--out`` costs nothing).
- While a run writes to it, ``.tinyspike.lock`` holds that run's process id; a second run on the same
  folder is refused. A lock left by a process that no longer exists is taken over, with a note.
- Temporary files of a save that was killed (``*.tmp`` next to the checkpoint or the log) are removed.
- Without ``--resume`` a folder that already holds a run's files is refused (``--force`` deletes
  them and starts over); with ``--resume`` it must hold a checkpoint.
"""
from __future__ import annotations

import os
import pathlib

from .files import OutputError, ensure_folder, note, remove_stale_temp

LOCK = ".tinyspike.lock"
RUN_FILES = ("checkpoint.safetensors", "metrics.jsonl", "curves.png", "dev_metrics.json")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # it exists, under another user
        return True
    return True


class RunFolderLock:
    """``with RunFolderLock(folder):`` holds the folder's lock file (our pid) until the block ends."""

    def __init__(self, folder: str | pathlib.Path, created: bool = False):
        self.path = pathlib.Path(folder) / LOCK
        self.held = False
        self.created = created       # made by this run: removed again if the run leaves it empty

    def acquire(self) -> "RunFolderLock":
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = self._owner()
                if owner is not None and _alive(owner):
                    raise OutputError(f"{self.path.parent} is in use by another run (process {owner} holds "
                                      f"{self.path}): wait for it to finish, or choose another --out") from None
                note(f"taking over {self.path}: the process that held it ({owner}) no longer runs")
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as f:
                f.write(f"{os.getpid()}\n")
            self.held = True
            return self
        raise OutputError(f"{self.path}: another run took the lock at the same moment; try again")

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip())
        except (OSError, ValueError):
            return None              # unreadable or half-written: treated as stale

    def release(self) -> None:
        if self.held and self._owner() == os.getpid():
            self.path.unlink(missing_ok=True)
            if self.created and not any(self.path.parent.iterdir()):
                self.path.parent.rmdir()
        self.held = False

    def __enter__(self) -> "RunFolderLock":
        return self if self.held else self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def prepare_run_folder(folder: str | pathlib.Path, *, resume: bool = False, force: bool = False) -> RunFolderLock:
    """Check, lock and clean ``folder`` for a run; returns the held lock (use it in a ``with``)."""
    folder = pathlib.Path(folder)
    if str(folder).strip() == "":
        raise OutputError("--out is empty: give the run folder")
    if resume and force:
        raise OutputError("--resume continues the run in --out and --force deletes it: give one of them")
    created = not folder.exists()
    ensure_folder(folder)
    lock = RunFolderLock(folder, created).acquire()
    try:
        for name in RUN_FILES:
            remove_stale_temp(folder / name)
        present = [name for name in RUN_FILES if (folder / name).exists()]
        if resume and "checkpoint.safetensors" not in present:
            raise OutputError(f"nothing to resume: {folder} holds no checkpoint.safetensors (run without --resume "
                              "to start a new run)")
        if not resume and present:
            if not force:
                raise OutputError(f"{folder} already holds a run ({', '.join(present)}): pass --resume to continue "
                                  "it, --force to delete those files and start over, or choose another --out")
            for name in present:
                (folder / name).unlink()
            note(f"--force: deleted {', '.join(present)} of the earlier run in {folder}")
    except BaseException:
        lock.release()
        raise
    return lock

"""Output files: checked before any work starts, never overwritten unless the user says ``--force``.

The rule every command follows: a command writes only files it creates in this run, unless ``--force``
is given; where an output cannot be written (a file where a folder belongs, a folder where a file
belongs, a read-only or full disk) it says so before loading any data, in one line naming the path.
"""
from __future__ import annotations

import errno
import os
import pathlib
import sys


class OutputError(ValueError):
    """An output location that cannot or may not be written."""


def os_error_line(err: OSError) -> str:
    """``PATH: reason`` for an operating-system error (no errno number, no traceback)."""
    reason = err.strerror or str(err)
    hint = {errno.ENOSPC: " (the disk is full: free space or choose another --out)",
            errno.EROFS: " (a read-only file system: choose another --out)",
            errno.EACCES: " (permission denied: choose a folder you may write to)",
            errno.ENOTDIR: " (a file stands where a folder is expected)",
            errno.EISDIR: " (a folder stands where a file is expected)"}.get(err.errno, "")
    where = err.filename if err.filename is not None else "?"
    if err.filename2 is not None:
        where = f"{where} -> {err.filename2}"
    return f"{where}: {reason}{hint}"


def note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def temp_path(path: pathlib.Path) -> pathlib.Path:
    """Where an atomic save of ``path`` writes before it renames (same folder, same file system)."""
    return path.with_name(path.name + ".tmp")


def remove_stale_temp(path: str | pathlib.Path) -> bool:
    """Remove the temporary file a killed save of ``path`` left behind; True when there was one."""
    tmp = temp_path(pathlib.Path(path))
    if tmp.is_file():
        tmp.unlink()
        note(f"removed {tmp}, left behind by a save that was interrupted")
        return True
    return False


def ensure_folder(folder: pathlib.Path) -> None:
    """Create ``folder`` (and its parents) or say in one line why it cannot be."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{parent} is a file, not a folder: choose another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the folder {folder}: {err.strerror or err}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: the folder is not writable (read-only or not yours): choose another --out")


def check_output_file(path: str | pathlib.Path, force: bool = False, inputs=()) -> pathlib.Path:
    """Check before any work that ``path`` may be written: its folder exists or can be made and is
    writable, it is not a folder, not one of ``inputs``, and it does not exist (unless ``force``)."""
    path = pathlib.Path(path)
    if str(path).strip() == "":
        raise OutputError("--out is empty: give a file to write")
    if path.is_dir():
        raise OutputError(f"{path} is a folder: --out takes the file to write, e.g. {path / 'out.safetensors'}")
    for source in inputs:
        if path.exists() and pathlib.Path(source).exists() and path.resolve() == pathlib.Path(source).resolve():
            raise OutputError(f"--out {path} is the input file itself: write to another file (it would be "
                              "destroyed even with --force)")
    if path.exists() and not path.is_file():
        raise OutputError(f"{path} is not a regular file (a device or a special file): choose another --out")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists and was not written by this run: choose another --out, or "
                          "pass --force to replace it")
    ensure_folder(path.parent if str(path.parent) else pathlib.Path("."))
    remove_stale_temp(path)
    return path


def check_output_folder(folder: str | pathlib.Path, names: tuple[str, ...], force: bool = False) -> pathlib.Path:
    """Check before any work that the files ``names`` may be written into ``folder``."""
    folder = pathlib.Path(folder)
    ensure_folder(folder)
    present = [n for n in names if (folder / n).exists()]
    if present and not force:
        raise OutputError(f"{folder} already holds {', '.join(present)}: choose another --out, or pass --force to "
                          "replace them")
    return folder


def write_text_atomic(path: str | pathlib.Path, text: str) -> None:
    """Write ``path`` through a temporary file in its folder, flushed and renamed: all or nothing."""
    path = pathlib.Path(path)
    tmp = temp_path(path)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_utf8(path: str | pathlib.Path) -> str:
    """A text file's content (a leading byte-order mark dropped); bytes that are not UTF-8 are refused
    with ``file:line``."""
    path = pathlib.Path(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ValueError(f"{path}:{line}: byte 0x{data[err.start]:02x} is not UTF-8 text; save the file as "
                         "UTF-8") from None

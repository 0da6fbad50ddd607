"""Where ``protsweep-predict`` may write: never over an existing file without ``--force``, never over its own
input or into a run folder's record, never onto a directory; each refusal is one line, before any model is
built. The write itself is atomic, and a folder that cannot be written (read-only, full) is one line too."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd

from protsweep.atomic import write_csv_atomic
from protsweep.errors import ProtsweepError
from protsweep.record.contract import RUN_JSON


def run_folder_of(path: Path) -> Path | None:
    """The nearest folder above ``path`` that holds a run record (``run.json``), or None."""
    for folder in path.parents:
        if (folder / RUN_JSON).is_file():
            return folder
    return None


def check_out(out: Path, inputs: Path, force: bool) -> None:
    """Refuse ``--out`` when it is a directory, the input file, or (without ``force``) an existing file or a
    path inside a run folder."""
    if out.is_dir():
        raise ProtsweepError(f"--out {out}: is a directory; name the CSV file to write")
    if same_file(out, inputs):
        raise ProtsweepError(f"--out {out}: is the --input file; name another file (it is never overwritten)")
    if force:
        return
    if out.exists() or out.is_symlink():
        raise ProtsweepError(f"--out {out}: already exists; name another file, or add --force to replace it")
    run_folder = run_folder_of(out.resolve())
    if run_folder is not None:
        raise ProtsweepError(
            f"--out {out}: lies in the run folder {run_folder}, whose files are its record; write elsewhere, "
            "or add --force"
        )
    if not out.parent.is_dir():
        raise ProtsweepError(f"--out {out}: the folder {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ProtsweepError(f"--out {out}: the folder {out.parent} is not writable")


def write_out(out: Path, frame: pd.DataFrame) -> None:
    """The table, atomically; a folder that cannot take it is one line (nothing there is changed)."""
    try:
        write_csv_atomic(out, frame)
    except OSError as err:
        reason = "the disk is full" if err.errno == errno.ENOSPC else (err.strerror or str(err))
        raise ProtsweepError(f"--out {out}: cannot write it ({reason}); nothing was written there") from err


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False

"""Faults of the file system a job writes to (full, read-only, over quota), and the leftovers of killed jobs.

A disk problem is the user's to fix, not a bug: it is reported as one line naming the file and the cause,
never as a traceback. A killed job leaves its temporary files (the atomic writer's ``.<name>.*.tmp``) and its
frozen-stage feature cache (``.feature-cache-*``, at real size too big for memory); a relaunch removes them
from the job folder it holds the lock of, before anything else is written there.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

#: errno -> the words for it
DISK_PROBLEMS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}
#: what a killed job leaves in its folder: the atomic writer's temporary files, the feature cache
LEFTOVER_FILES = ".*.tmp"
LEFTOVER_DIRS = ".feature-cache-*"


def disk_problem(err: BaseException) -> str | None:
    """One line for a disk fault (naming the file where known), or None when ``err`` is something else."""
    while err is not None and not isinstance(err, OSError):
        err = err.__cause__ or err.__context__  # a framework may wrap the OSError
    if not isinstance(err, OSError) or err.errno not in DISK_PROBLEMS:
        return None
    where = f"{err.filename}: " if err.filename else ""
    verb = "cannot access" if err.errno in (errno.EACCES, errno.EPERM) else "cannot write"
    return f"{where}{verb} ({DISK_PROBLEMS[err.errno]})"


def remove_leftovers(run_dir: Path) -> list[Path]:
    """Remove a killed job's temporary files and feature caches from ``run_dir`` and its ``model/``; returns
    what was removed. Only call it while holding the job's lock (no writer of the folder is alive)."""
    removed: list[Path] = []
    for folder in (run_dir, run_dir / "model"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(LEFTOVER_FILES)):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
        for path in sorted(folder.glob(LEFTOVER_DIRS)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed

"""Lock files: one per job folder (two launchers never train one job twice) and one claim per cache entry.

A lock is a file created with ``O_CREAT | O_EXCL`` holding ``{"pid", "host", "since"}``. A lock left by a
process that no longer runs on this host (``os.kill(pid, 0)`` fails) is stale and taken over; a lock from
another host is trusted unless it is older than ``stale_after`` seconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JOB_LOCK = ".protsweep.lock"
#: A lock from another host older than this is presumed abandoned.
STALE_AFTER_S = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    since: float

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


def _me() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}


def read_holder(path: Path) -> Holder | None:
    """The lock's holder, or None when the file is absent or unreadable (a half-written lock)."""
    try:
        info = json.loads(path.read_text())
        return Holder(int(info["pid"]), str(info["host"]), float(info["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def is_stale(holder: Holder | None, stale_after: float = STALE_AFTER_S) -> bool:
    if holder is None:
        return True
    if holder.host == socket.gethostname():
        return not pid_alive(holder.pid)
    return time.time() - holder.since > stale_after


def try_lock(path: Path, stale_after: float = STALE_AFTER_S) -> Holder | None:
    """Take the lock at ``path``: None when taken, else the live holder. A stale lock is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = read_holder(path)
            if holder is None and time.time() - _mtime(path) < 5.0:
                time.sleep(0.2)  # being written right now
                holder = read_holder(path)
            if not is_stale(holder, stale_after):
                return holder
            log.warning("removing the stale lock %s (%s is gone)", path, holder or "its holder")
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with os.fdopen(fd, "w") as handle:
            json.dump(_me(), handle)
        return None
    return read_holder(path) or Holder(-1, "unknown", 0.0)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def release(path: Path) -> None:
    """Remove the lock if this process holds it."""
    holder = read_holder(path)
    if holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def held(path: Path, stale_after: float = STALE_AFTER_S) -> Iterator[Holder | None]:
    """``with held(p) as other:`` - ``other`` is None when this process holds the lock for the block."""
    other = try_lock(path, stale_after)
    try:
        yield other
    finally:
        if other is None:
            release(path)

"""Lock files: one per job folder (two launchers never train one job twice) and one claim per cache entry.

A lock is a file created with ``O_CREAT | O_EXCL`` holding ``{"pid", "host", "since"}``, plus ``"slurm_job"``
and ``"slurm_restart"`` (``SLURM_JOB_ID``, ``SLURM_RESTART_COUNT``) under SLURM, and ``"lease_s"`` when its
holder keeps it alive (job locks: :func:`held` touches the file every ``lease_s / 4`` seconds).
A lock is stale, and taken over, when

1. its holder was an earlier run of this same SLURM job (same ``SLURM_JOB_ID``, lower ``SLURM_RESTART_COUNT``:
   SLURM requeued the job, and a requeued job's earlier run is over);
2. its holder ran on this host and its process is gone (``os.kill(pid, 0)`` fails);
3. its holder's SLURM job is no longer running (asked of ``squeue`` where there is one: a job that ended,
   failed, was cancelled or died with its node);
4. it has a lease and was not touched for ``lease_s`` seconds (its holder's host died or lost the file system);
5. it has no lease and is older than ``stale_after`` seconds (7 days; a lock of an older protsweep).

What the file system must provide: ``O_EXCL`` creation that is atomic across hosts (local disks, NFSv3+,
Lustre, GPFS, BeeGFS), and modification times that advance when the file is touched, for leases (hosts'
clocks within a few minutes of each other). filelock's ``FileLock`` is not used: it relies on ``flock``,
which NFS emulates through the lock manager and Lustre only offers with the ``flock`` mount option, and a
lock of a lost node is freed only when the server notices; its ``SoftFileLock`` has no notion of a stale lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JOB_LOCK = ".protsweep.lock"
#: A lock without a lease, from another host, older than this is presumed abandoned.
STALE_AFTER_S = 7 * 24 * 3600.0
#: A job lock not touched for this long is presumed abandoned (its holder touches it every quarter of it).
LEASE_S = 600.0
#: SLURM job states in which the job's processes may still run.
SLURM_LIVE_STATES = frozenset({"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "RESIZING"})


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    since: float
    slurm_job: str | None = None  # SLURM_JOB_ID of the holder, under SLURM
    slurm_restart: int = 0  # SLURM_RESTART_COUNT of the holder: how often SLURM had requeued its job
    lease_s: float | None = None  # the holder touches the file at least this often
    touched: float = 0.0  # the file's modification time when read

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}" + (f" (SLURM job {self.slurm_job})" if self.slurm_job else "")


def slurm_job_id() -> str | None:
    return os.environ.get("SLURM_JOB_ID") or None


def slurm_restart_count() -> int:
    return int(os.environ.get("SLURM_RESTART_COUNT") or 0)


def _me(lease_s: float | None = None) -> dict[str, Any]:
    me: dict[str, Any] = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    if slurm_job_id():
        me.update(slurm_job=slurm_job_id(), slurm_restart=slurm_restart_count())
    if lease_s:
        me["lease_s"] = float(lease_s)
    return me


def read_holder(path: Path) -> Holder | None:
    """The lock's holder, or None when the file is absent or unreadable (a half-written lock)."""
    try:
        info = json.loads(path.read_text())
        lease = info.get("lease_s")
        return Holder(
            int(info["pid"]), str(info["host"]), float(info["since"]),
            slurm_job=str(info["slurm_job"]) if info.get("slurm_job") else None,
            slurm_restart=int(info.get("slurm_restart") or 0),
            lease_s=float(lease) if lease else None,
            touched=_mtime(path),
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def slurm_job_state(job_id: str) -> str | None:
    """The job's state as ``squeue`` reports it: ``GONE`` when SLURM no longer knows the job, None when there is
    no ``squeue`` here or it does not answer (then nothing is concluded from it)."""
    if shutil.which("squeue") is None:
        return None
    try:
        done = subprocess.run(["squeue", "--noheader", "--states=all", "-j", job_id, "-o", "%T"],
                              capture_output=True, text=True, timeout=30)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return "GONE" if "Invalid job id" in done.stderr else None
    states = done.stdout.split()
    return states[0] if states else "GONE"


def is_stale(holder: Holder | None, stale_after: float = STALE_AFTER_S) -> bool:
    """Whether the lock's holder is gone (the rules in this module's docstring, in order)."""
    if holder is None:
        return True
    if holder.slurm_job and holder.slurm_job == slurm_job_id() and holder.slurm_restart < slurm_restart_count():
        return True  # an earlier run of this job: SLURM requeued it
    if holder.host == socket.gethostname():
        return not pid_alive(holder.pid)
    if holder.slurm_job:
        state = slurm_job_state(holder.slurm_job)
        if state is not None and state not in SLURM_LIVE_STATES:
            return True
    if holder.lease_s:
        return time.time() - holder.touched > holder.lease_s
    return time.time() - holder.since > stale_after


def try_lock(path: Path, stale_after: float = STALE_AFTER_S, lease_s: float | None = None) -> Holder | None:
    """Take the lock at ``path``: None when taken, else the live holder. A stale lock is replaced. With
    ``lease_s`` the lock records its lease: the caller must touch it (:func:`keep_alive`) more often."""
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
            json.dump(_me(lease_s), handle)
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


def keep_alive(path: Path, every_s: float, stop: threading.Event) -> None:
    """Touch the lock every ``every_s`` seconds until ``stop`` is set (a daemon thread of the holder)."""
    while not stop.wait(every_s):
        with contextlib.suppress(OSError):
            os.utime(path)


@contextlib.contextmanager
def held(path: Path, stale_after: float = STALE_AFTER_S, lease_s: float = LEASE_S) -> Iterator[Holder | None]:
    """``with held(p) as other:`` - ``other`` is None when this process holds the lock for the block, during
    which a thread keeps the lock's lease alive."""
    other = try_lock(path, stale_after, lease_s)
    stop = threading.Event()
    if other is None:
        threading.Thread(target=keep_alive, args=(path, lease_s / 4, stop), daemon=True).start()
    try:
        yield other
    finally:
        stop.set()
        if other is None:
            release(path)

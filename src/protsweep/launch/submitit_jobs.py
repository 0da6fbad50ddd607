"""What protsweep's submitit launchers add to Hydra's (the launchers: :mod:`hydra_plugins.protsweep_launchers`,
the presets ``hydra/launcher=slurm`` and ``hydra/launcher=submitit_local``):

- **Per-job failure lines on the terminal.** A job's ``protsweep: error`` lines go to its ``.submitit`` log; the
  launching process prints them as each job ends. A job that ended without a result (killed, cancelled, its
  node lost) is one line naming the job, its state and its log, never a traceback: the sweep's exit status
  still comes from the run records (:mod:`protsweep.launch.monitor`).
- **Job states without accounting.** submitit asks ``sacct`` for job states; on a cluster without an
  accounting database every call fails with a "Bypassing sacct error" warning and a job that dies without a
  result is waited for forever. When ``sacct`` is unavailable the states come from ``squeue --states=all``
  instead (:class:`SqueueWatcher`), and a job that left the queue counts as ended.
- **Bounded local concurrency.** ``submitit_local`` runs jobs at once only while their ``cpus_per_task`` (and
  ``mem_gb``) fit this machine, as a scheduler would (Hydra's plugin starts them all); each job's threads
  follow ``cpus_per_task`` (:mod:`protsweep.launch.resources`).
- **No empty ``.submitit/%j`` folder** is left by the local executor.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from submitit.slurm.slurm import SlurmInfoWatcher, SlurmJob

from protsweep.launch.resources import available_cores

log = logging.getLogger(__name__)

#: Lines of a job's stderr that the launching process repeats.
RELAYED_PREFIX = "protsweep: error"
SQUEUE_FIELDS = "JobID|State|NodeList"
#: squeue states of jobs that have not ended but that submitit would take for ended, as states it knows.
STILL_IN_QUEUE = {
    "CONFIGURING": "PENDING", "REQUEUE_HOLD": "PENDING", "REQUEUE_FED": "PENDING", "RESV_DEL_HOLD": "PENDING",
    "SUSPENDED": "RUNNING", "STOPPED": "RUNNING", "SIGNALING": "RUNNING", "RESIZING": "RUNNING",
    "STAGE_OUT": "COMPLETING",
}  # fmt: skip


@functools.cache
def accounting_available() -> bool:
    """Whether ``sacct`` answers here (False on a cluster without an accounting database)."""
    if shutil.which("sacct") is None:
        return False
    try:
        done = subprocess.run(["sacct", "-n", "-X", "-o", "JobID", "-S", "now"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


class SqueueWatcher(SlurmInfoWatcher):
    """submitit's SLURM state watcher reading ``squeue`` (this user's jobs, finished ones included while SLURM
    keeps them, ``MinJobAge``). A registered job no longer in the queue has ended: state ``GONE``."""

    def _make_command(self) -> list[str] | None:
        if not self._registered - self._finished:
            return None
        return ["squeue", "--states=all", "--noheader", f"--user={getpass.getuser()}", "-o", "%i|%T|%N"]

    def read_info(self, string: bytes | str) -> dict[str, dict[str, str]]:
        text = string.decode() if isinstance(string, bytes) else string
        info = super().read_info(f"{SQUEUE_FIELDS}\n{text}")
        for fields in info.values():
            fields["State"] = STILL_IN_QUEUE.get(fields["State"], fields["State"])
        for job_id in self._registered - self._finished - set(info):
            info[job_id] = {"JobID": job_id, "State": "GONE", "NodeList": ""}
        return info


def use_squeue_without_accounting() -> None:
    """Give submitit's SLURM jobs the squeue watcher when ``sacct`` does not answer."""
    if not accounting_available() and not isinstance(SlurmJob.watcher, SqueueWatcher):
        SlurmJob.watcher = SqueueWatcher(delay_s=60)


def relay_errors(job: Any) -> None:
    """Print the job's ``protsweep: error`` lines, or one line when it ended without a result."""
    with contextlib.suppress(OSError):
        for line in Path(job.paths.stderr).read_text(errors="replace").splitlines():
            if line.startswith(RELAYED_PREFIX):
                print(line, file=sys.stderr, flush=True)
    if not job.paths.result_pickle.exists():
        print(f"protsweep: error: submitit job {job.job_id} ended without a result (state {job.state}); its log: "
              f"{job.paths.stderr}", file=sys.stderr, flush=True)


def job_return(job: Any, overrides: Sequence[str]) -> JobReturn:
    """The job's Hydra return, or an empty one when it produced none: its run.json says how it ended, and
    :func:`relay_errors` has said why."""
    try:
        return job.results()[0]
    except Exception:  # submitit raises the job's own exception, or UncompletedJobError
        return JobReturn(overrides=list(overrides), status=JobStatus.COMPLETED)


def memory_gb() -> float:
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30


def concurrent_limit(cpus_per_task: int | None, mem_gb: float | None, cores: int | None = None,
                     total_gb: float | None = None) -> int:
    """How many jobs fit this machine at once: ``cores // cpus_per_task``, and ``memory // mem_gb`` when set
    (at least one; all cores for a job without ``cpus_per_task``)."""
    cores = available_cores() if cores is None else cores
    fits = cores // max(1, int(cpus_per_task or cores))
    if mem_gb:
        fits = min(fits, int((memory_gb() if total_gb is None else total_gb) // float(mem_gb)))
    return max(1, fits)


def remove_empty_template_folder(submitit_folder: str) -> None:
    """The local executor's controller creates the unexpanded ``.submitit/%j``; remove it when empty."""
    folder = Path(submitit_folder)
    if "%j" in folder.name:
        with contextlib.suppress(OSError):
            folder.rmdir()


def submit_bounded(submit: Callable[..., Any], params: list[tuple], limit: int, poll_s: float = 0.5) -> list[Any]:
    """Submit one job per argument tuple, at most ``limit`` running at once; each finished job has its failure
    lines printed (:func:`relay_errors`). Returns the jobs in submission order."""
    jobs: list[Any] = []
    running: list[Any] = []
    for args in params:
        while len(running) >= limit:
            running = reap(running, poll_s)
        job = submit(*args)
        jobs.append(job)
        running.append(job)
    while running:
        running = reap(running, poll_s)
    return jobs


def reap(running: list[Any], poll_s: float) -> list[Any]:
    """The jobs still running; each finished one has its failure lines printed."""
    still = []
    for job in running:
        if job.done():
            relay_errors(job)
        else:
            still.append(job)
    if len(still) == len(running):
        time.sleep(poll_s)
    return still


def wait_all(jobs: list[Any]) -> list[Any]:
    """Wait for each job (a SLURM array) and print its failure lines as it ends."""
    for job in jobs:
        job.wait()
        relay_errors(job)
    return jobs

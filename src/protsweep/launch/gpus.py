"""One GPU per running job for local parallel launchers. UNTESTED: written on machines without a GPU.

Under joblib and ``submitit_local`` every job would otherwise see every GPU (and TensorFlow would grab them
all) or GPU 0 only. Here each job claims a free GPU with an exclusive file lock in the sweep directory, held
while the job runs and released when its process ends, and sees only that GPU through
``CUDA_VISIBLE_DEVICES``. With more parallel jobs than GPUs a job waits for one to come free. Under SLURM the
scheduler sets ``CUDA_VISIBLE_DEVICES`` itself and nothing here runs.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

LOCK_DIR = ".gpu-locks"


def visible_gpus() -> tuple[str, ...]:
    """The GPUs this process may use: ``CUDA_VISIBLE_DEVICES`` when set, else what ``nvidia-smi -L`` lists."""
    preset = os.environ.get("CUDA_VISIBLE_DEVICES")
    if preset is not None:
        return tuple(d.strip() for d in preset.split(",") if d.strip() and d.strip() != "-1")
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    try:
        listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(str(i) for i, line in enumerate(ln for ln in listed.splitlines() if ln.startswith("GPU ")))


def local_gpus(setting: Any) -> tuple[str, ...]:
    """``auto``: every visible GPU; an integer n: the first n of them (0: none)."""
    gpus = visible_gpus()
    return gpus if setting == "auto" else gpus[: int(setting)]


def _try_lock(path: Path, block: bool) -> IO[str] | None:
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextmanager
def gpu_slot(gpus: Sequence[str], sweep_dir: Path, job_num: int) -> Iterator[dict[str, str]]:
    """Hold one of ``gpus`` for the duration of the block; yields the environment that selects it."""
    if not gpus or "SLURM_JOB_ID" in os.environ:
        yield {}
        return
    lock_dir = sweep_dir / LOCK_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    order = [(job_num + i) % len(gpus) for i in range(len(gpus))]
    claimed = next(((slot, h) for slot in order if (h := _try_lock(lock_dir / f"{slot}.lock", False))), None)
    if claimed is None:  # more running jobs than GPUs: wait for this job's own
        claimed = (order[0], _try_lock(lock_dir / f"{order[0]}.lock", True))
    slot, handle = claimed
    assert handle is not None
    try:
        yield {"CUDA_VISIBLE_DEVICES": gpus[slot]}
    finally:
        handle.close()  # closing the file releases the lock

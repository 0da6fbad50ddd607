"""Run one Hydra job in a fresh Python process, so nothing (TensorFlow graphs, RNG state, thread pools) passes
from one job to the next when a launcher reuses its worker processes (joblib's loky workers do).

The worker pickles the job's Hydra config and task config into a private temporary file (mode 0600, outside
the job folder: a run folder is data people copy, and a file planted there, or a link, must never be
unpickled or written through) and runs ``python -m protsweep.launch.child <payload>``, which restores them
and calls :func:`protsweep.job.execute`.
The child inherits the worker's stdout/stderr and gets the job's thread and GPU environment before any
native library starts. A child that dies without finishing its record (killed, out of memory, a crash in
native code) gets a ``failed`` record here, so the sweep's outcome on disk is still right.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from protsweep.record import RunRecord
from protsweep.record.state import RunState

PAYLOAD_PREFIX = "protsweep-job-"
#: the child's entry point (named, not imported: it imports :mod:`protsweep.job`, which imports this module)
CHILD_MODULE = "protsweep.launch.child"


def run_in_fresh_process(cfg: DictConfig, run_dir: Path, env: Mapping[str, str]) -> int:
    """Run the current Hydra job in a child process; return the child's exit status."""
    # The Hydra node travels as plain data: launcher plugins' config classes do not pickle by reference.
    hydra_node = OmegaConf.to_container(HydraConfig.get(), resolve=False)
    fd, name = tempfile.mkstemp(prefix=PAYLOAD_PREFIX, suffix=".pkl")  # created anew, owner-only
    payload = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pickle.dumps({"hydra": hydra_node, "task": cfg}))
        code = subprocess.run(
            [sys.executable, "-m", CHILD_MODULE, str(payload)],
            env={**os.environ, **env},
            check=False,
        ).returncode
    finally:
        payload.unlink(missing_ok=True)
    if code != 0 and not RunState.read(run_dir).finished:
        record_crash(run_dir, code)
    return code


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"the job's process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the job's process was killed by signal {-code}"
    return f"the job's process exited with status {code} before finishing its record"


def record_crash(run_dir: Path, code: int) -> None:
    """Mark a job whose process died mid-run as failed, keeping what its run.json already says."""
    record = RunRecord(run_dir, info=RunState.read(run_dir).info)
    message = describe_exit(code)
    record.fail(message)
    print(f"protsweep: error [{run_dir.name}]: {message}", file=sys.stderr, flush=True)

"""The MLflow store as protsweep lays it out: one experiment per ablation (route) name, one parent run per
sweep folder, the jobs' runs nested under it (MLflow's ``mlflow.parentRunId`` tag), each found again by tags.

Writers of one SQLite store take turns through a file lock beside it (schema creation, experiment and
parent-run creation race otherwise); a tracking server serialises them itself.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

SQLITE = "sqlite:///"
MAX_PARAMS_PER_BATCH = 100  # MLflow's limits for one log_batch call
MAX_METRICS_PER_BATCH = 1000
MAX_PARAM_LENGTH = 6000
#: MLflow's own tag naming a nested run's parent (the UI nests by it).
PARENT_TAG = "mlflow.parentRunId"
#: protsweep's bookkeeping tags (the user-facing ones - variant, seed, fold... - are in mlflow.py).
ROLE_TAG = "protsweep.role"
SWEEP_ROLE = "sweep"
JOB_ROLE = "job"
SWEEP_DIR_TAG = "protsweep.sweep_dir"
JOB_DIR_TAG = "protsweep.job_dir"
STARTED_TAG = "protsweep.started_at"
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sqlite_path(uri: str) -> Path | None:
    return Path(uri[len(SQLITE) :]) if uri.startswith(SQLITE) else None


#: Lock files this process holds (the lock is re-entrant within a process: a nested ``store_lock`` passes).
_HELD: set[str] = set()


@contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Serialise writers of one SQLite store."""
    db = sqlite_path(uri)
    if db is None or f"{db}.lock" in _HELD:
        yield
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    path = f"{db}.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _HELD.add(path)
        try:
            yield
        finally:
            _HELD.discard(path)


def quoted(value: str) -> str:
    """A string literal of MLflow's search grammar."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def tag_filter(**tags: str) -> str:
    """``tags."a.b" = 'v' and ...`` for MLflow's ``search_runs``."""
    return " and ".join(f'tags."{key}" = {quoted(value)}' for key, value in tags.items())


def experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    return client.create_experiment(name, artifact_location=artifact_location)


def find_runs(client: Any, experiment: str, **tags: str) -> list[Any]:
    return list(client.search_runs([experiment], filter_string=tag_filter(**tags), max_results=1000))


def sweep_parent(client: Any, experiment: str, sweep_dir: Path, create: bool = True) -> str | None:
    """The parent run of ``sweep_dir`` in ``experiment`` (created by the first job that asks), or None."""
    tags = {ROLE_TAG: SWEEP_ROLE, SWEEP_DIR_TAG: str(sweep_dir)}
    found = find_runs(client, experiment, **tags)
    if found:
        return found[0].info.run_id
    if not create:
        return None
    return client.create_run(experiment, run_name=sweep_dir.name, tags=tags).info.run_id


def logged_before(client: Any, experiment: str, job_dir: Path, started_at: str) -> bool:
    """Whether this record (the job folder and its start time) already has a finished run in the store: a
    relaunch that skips a completed job logs it only when it was never logged."""
    found = find_runs(client, experiment, **{JOB_DIR_TAG: str(job_dir), STARTED_TAG: started_at})
    return any(run.info.status != "RUNNING" for run in found)


def dead_job_runs(client: Any, experiment: str, job_dir: Path) -> list[str]:
    """The runs of ``job_dir`` still RUNNING. Called by the job that holds the folder's lock (job.py), so the
    process that opened them is gone: killed before it could close its run."""
    found = find_runs(client, experiment, **{ROLE_TAG: JOB_ROLE, JOB_DIR_TAG: str(job_dir)})
    return [run.info.run_id for run in found if run.info.status == "RUNNING"]

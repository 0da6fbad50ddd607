"""A sweep's outcome read from disk: which jobs it launches, and what each job's ``run.json`` says.

Jobs may run in other processes (joblib workers, submitit or SLURM jobs), so nothing a job does in memory
reaches the command that started the sweep; the run records on disk do. A job belongs to this launch when
its ``.hydra/overrides.yaml`` matches one of the override lists the sweep expands to (Hydra's own
``BasicSweeper.split_arguments``), so older job folders in a relaunched sweep directory are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from omegaconf import DictConfig

from protsweep.keypolicy import result_overrides
from protsweep.record.contract import Status
from protsweep.record.state import RunState
from protsweep.sweepjobs import BASIC_SWEEPER, Overrides, sweep_jobs

RecordState = tuple[str | None, str | None]  # (status, ended_at) from run.json; (None, None) without one


def record_state(job_dir: Path | None) -> RecordState:
    if job_dir is None:
        return None, None
    state = RunState.read(job_dir)
    return state.status, state.ended_at


def expected_jobs(config: DictConfig) -> list[Overrides] | None:
    """The override list of every job the multirun will launch, or None for a sweeper other than Hydra's basic one."""
    sweeper = config.hydra.sweeper
    if sweeper.get("_target_") != BASIC_SWEEPER:
        return None
    return sweep_jobs(sweeper.get("params"), list(config.hydra.overrides.task))


def job_overrides(job_dir: Path) -> Overrides | None:
    try:
        loaded = yaml.safe_load((job_dir / ".hydra" / "overrides.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return None
    return tuple(str(item) for item in loaded) if isinstance(loaded, list) else None


def result_key(job: Overrides) -> Overrides:
    """A job's overrides less the output-only ones (the key policy), sorted: a job relaunched with only
    another ``report.*`` or ``progress`` value is the same job, in the same folder."""
    return tuple(sorted(result_overrides(job)))


def find_job_dirs(sweep_dir: Path) -> dict[Overrides, Path]:
    """Job folders directly under the sweep directory, by their task overrides (:func:`result_key`)."""
    if not sweep_dir.is_dir():
        return {}
    found = {}
    for child in sorted(p for p in sweep_dir.iterdir() if p.is_dir()):
        overrides = job_overrides(child)
        if overrides is not None:
            found[result_key(overrides)] = child
    return found


@dataclass
class JobTable:
    """Where each of a launch's jobs lives once Hydra has made its folder (looked up again until found)."""

    sweep_dir: Path
    expected: list[Overrides] | None
    dirs: dict[Overrides, Path] = field(default_factory=dict)

    def refresh(self) -> dict[str, Path | None]:
        """Job name -> folder (None while it has none yet); every job folder when the launch's jobs are unknown."""
        if self.expected is None or any(result_key(job) not in self.dirs for job in self.expected):
            self.dirs.update(find_job_dirs(self.sweep_dir))
        if self.expected is None:
            return {path.name: path for path in self.dirs.values()}
        found = {job: self.dirs.get(result_key(job)) for job in self.expected}
        return {(path.name if path is not None else ",".join(job) or "default"): path for job, path in found.items()}

    def states(self) -> dict[str, RecordState]:
        return {name: record_state(path) for name, path in self.refresh().items()}

    def statuses(self) -> dict[str, str | None]:
        return {name: status for name, (status, _) in self.states().items()}


@dataclass(frozen=True)
class Outcome:
    """How a launch ended. ``failed``: jobs whose record does not say completed (failed, never finished, absent)."""

    multirun: bool
    statuses: dict[str, str | None]

    @property
    def failed(self) -> list[str]:
        return [name for name, status in self.statuses.items() if status != Status.COMPLETED]

    def failure_line(self) -> str | None:
        if not self.failed:
            return None
        if not self.multirun:
            return None  # the job printed its own one-line error
        return f"protsweep: {len(self.failed)} job(s) failed: {', '.join(self.failed)} (see run.json in each)"

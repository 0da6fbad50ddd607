"""Hydra callback run by the process that started the command: live sweep progress, and the outcome.

Registered in conf/hydra/protsweep.yaml (``hydra.callbacks.monitor``). ``on_multirun_start`` and
``on_multirun_end`` run in the starting process under every launcher; jobs may run elsewhere, so progress
and outcome come from the run records on disk. Under the basic launcher ``on_job_end`` runs in the same
process and reports a finished job at once; elsewhere a thread polls the records every ``interval`` seconds.
The callback object itself travels to joblib workers, so its state lives in this module, never on it.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from protsweep.errors import ConfigError
from protsweep.launch.base import BASE_GROUP, check_base
from protsweep.launch.outcome import JobTable, Outcome, RecordState, expected_jobs, record_state
from protsweep.launch.progress import eta_seconds, format_sweep_line, progress_enabled
from protsweep.launch.sweepfolder import check_sweep_folder
from protsweep.launch.values import check_composed
from protsweep.record.contract import Status
from protsweep.schema import config_dir

#: This process's running sweep ("watch", "stop", "thread") and the last outcome ("outcome").
_STATE: dict[str, Any] = {}


def last_outcome() -> Outcome | None:
    """How the last run or multirun of this process ended (None when nothing ran, e.g. ``--cfg job``)."""
    return _STATE.get("outcome")


@dataclass
class SweepWatch:
    """Counts a launch's finished jobs from their records, against the records as they were at launch."""

    table: JobTable
    enabled: bool
    rerun_completed: bool  # overwrite=true: jobs completed before the launch run again
    started: float = field(default_factory=time.monotonic)
    at_launch: dict[str, RecordState] = field(default_factory=dict)
    reported: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.at_launch = self.table.states()

    def tally(self) -> tuple[int, int, int]:
        """(done, failed, finished during this launch). A job still completed as at launch was skipped: done."""
        done = failed = here = 0
        for name, state in self.table.states().items():
            status = state[0]
            if state != self.at_launch.get(name) and status in (Status.COMPLETED, Status.FAILED):
                here += 1
                done += 1
                failed += status == Status.FAILED
            elif status == Status.COMPLETED and not self.rerun_completed:
                done += 1
        return done, failed, here

    def outcome_statuses(self) -> dict[str, str | None]:
        """Each job's status; under ``overwrite=true`` a record unchanged since the launch was not redone by it
        (e.g. another live process held the job): no status."""
        states = self.table.states()
        if not self.rerun_completed:
            return {name: status for name, (status, _) in states.items()}
        return {name: (None if state == self.at_launch.get(name) else state[0]) for name, state in states.items()}

    def poll(self) -> None:
        with self.lock:
            done, failed, here = self.tally()
            if not self.enabled or done == self.reported:
                return
            self.reported = done
            total = len(self.table.expected) if self.table.expected is not None else None
            remaining = (total - done) if total is not None else 0
            eta = eta_seconds(time.monotonic() - self.started, here, remaining)
            print(format_sweep_line(done, total, failed, eta), file=sys.stderr, flush=True)


def check_launch(config: DictConfig, jobs: list[tuple[str, ...]]) -> None:
    """Checks of the whole command before any job runs: a bad one prints one line and stops it."""
    try:
        check_composed(config)  # unknown keys and open-typed values, before any job starts
        progress_enabled(config.get("progress", "auto"), sys.stderr)
        check_base(config_dir(), config.hydra.runtime.choices.get(BASE_GROUP), jobs)
    except ConfigError as err:
        print(f"protsweep: error: {err}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def _poll_until(watch: SweepWatch, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        watch.poll()


class SweepMonitor(Callback):
    def __init__(self, interval: float = 2.0) -> None:
        self.interval = float(interval)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        check_launch(config, [tuple(config.hydra.overrides.task)])

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        run_dir = Path(str(config.hydra.runtime.output_dir))  # HydraConfig is reset by now; the job set this
        _STATE["outcome"] = Outcome(multirun=False, statuses={run_dir.name: record_state(run_dir)[0]})

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _STATE.clear()
        jobs = expected_jobs(config)
        check_launch(config, jobs if jobs is not None else [tuple(config.hydra.overrides.task)])
        try:  # a relaunch into a sweep folder must be the sweep it holds; refused like a job's relaunch (exit 1)
            check_sweep_folder(config, jobs)
        except ConfigError as err:
            print(f"protsweep: error: {err}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        table = JobTable(Path(str(config.hydra.sweep.dir)), jobs)
        enabled = progress_enabled(config.get("progress", "auto"), sys.stderr)
        watch = SweepWatch(table, enabled=enabled, rerun_completed=bool(config.get("overwrite", False)))
        _STATE["watch"] = watch
        if enabled:
            stop = threading.Event()
            thread = threading.Thread(target=_poll_until, args=(watch, stop, self.interval), daemon=True)
            thread.start()
            _STATE.update(stop=stop, thread=thread)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        watch = _STATE.get("watch")  # set only where the multirun started: the basic launcher's own process
        if watch is not None:
            watch.poll()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        watch: SweepWatch | None = _STATE.pop("watch", None)
        if "stop" in _STATE:
            _STATE.pop("stop").set()
            _STATE.pop("thread").join()
        if watch is None:
            return
        watch.poll()
        _STATE["outcome"] = Outcome(multirun=True, statuses=watch.outcome_statuses())

"""The run-record writer: what one job leaves in its directory for the aggregator (docs/run-record.md)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from protsweep.atomic import write_csv_atomic, write_json_atomic
from protsweep.callbacks import CallbackHandler, TrainerCallback
from protsweep.record.contract import (
    HISTORY_COLUMNS,
    HISTORY_CSV,
    METRICS_JSON,
    PREDICTION_COLUMNS,
    PREDICTIONS_CSV,
    RECORD_FILES,
    Status,
)
from protsweep.record.provenance import now_iso
from protsweep.record.state import RunState


@dataclass
class RunRecord(TrainerCallback):
    """Writes one job's record files, each atomically. ``run.json`` is rewritten at every state change,
    ``history.csv`` after every epoch (:meth:`log_epoch`), so a running job can be watched.

    As a training callback (:mod:`protsweep.callbacks`) it times the stages (``wall_seconds``) and writes
    the history rows. ``callbacks`` (progress lines, trackers) hear the job's training events after the
    record: :meth:`events` is the handler a runner announces them to.
    """

    run_dir: Path
    callbacks: Sequence[TrainerCallback] = ()
    info: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    _stage_started: dict[str, float] = field(default_factory=dict)
    _t0: float = field(default_factory=time.perf_counter)

    def is_completed(self) -> bool:
        return RunState.read(self.run_dir).completed

    def set_aside_previous(self) -> Path | None:
        """Move an earlier record out of the way (``overwrite=true``) so nothing written before is lost."""
        present = [name for name in RECORD_FILES if (self.run_dir / name).exists()]
        if not present:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        keep = self.run_dir / f"replaced-{stamp}"
        keep.mkdir(parents=True)
        for name in present:
            shutil.move(str(self.run_dir / name), keep / name)
        return keep

    def start(self, **info: Any) -> None:
        self._t0 = time.perf_counter()
        self.info = {
            "status": Status.RUNNING,
            "error": None,
            "traceback": None,
            "started_at": now_iso(),
            "ended_at": None,
            "wall_seconds": {},
            **info,
        }
        self._write()

    def update(self, **info: Any) -> None:
        self.info.update(info)
        self._write()

    def events(self, *more: TrainerCallback) -> CallbackHandler:
        """The handler of this job's training events: the record, its ``callbacks``, then ``more``."""
        return CallbackHandler([self, *self.callbacks, *more])

    def on_stage_begin(self, stage: str) -> None:
        self.stage_started(stage)

    def on_stage_end(self, stage: str) -> None:
        self.stage_finished(stage)

    def on_row(self, row: Mapping[str, Any]) -> None:
        self.log_epoch(row)

    def stage_started(self, name: str) -> None:
        self._stage_started[name] = time.perf_counter()

    def stage_finished(self, name: str) -> None:
        began = self._stage_started.pop(name)
        walls = self.info.setdefault("wall_seconds", {})
        walls[name] = round(walls.get(name, 0.0) + time.perf_counter() - began, 3)
        self._write()

    def write_predictions(self, frame: pd.DataFrame) -> None:
        missing = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"predictions lack columns {missing}")
        ordered = PREDICTION_COLUMNS + [c for c in frame.columns if c not in PREDICTION_COLUMNS]
        write_csv_atomic(self.run_dir / PREDICTIONS_CSV, frame[ordered])

    def write_metrics(self, metrics: Mapping[str, Any]) -> None:
        write_json_atomic(self.run_dir / METRICS_JSON, dict(metrics))

    def log_epoch(self, row: Mapping[str, Any]) -> None:
        """Append one epoch's row (its ``HISTORY_COLUMNS``) and rewrite history.csv."""
        missing = [c for c in HISTORY_COLUMNS if c not in row]
        if missing:
            raise ValueError(f"history row lacks {missing}")
        kept = {c: row[c] for c in HISTORY_COLUMNS}
        self.history.append(kept)
        self._write_history()

    def write_history(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the whole history (e.g. the epochs a resumed run already had); no callback hears it."""
        self.history = [{c: row.get(c) for c in HISTORY_COLUMNS} for row in rows]
        self._write_history()

    def complete(self) -> None:
        self._finish(Status.COMPLETED)

    def fail(self, error: str, traceback_text: str | None = None) -> None:
        self.info["error"] = error
        self.info["traceback"] = traceback_text
        self._finish(Status.FAILED)

    def _finish(self, status: Status) -> None:
        self.info["status"] = status
        self.info["ended_at"] = now_iso()
        self.info.setdefault("wall_seconds", {})["total"] = round(time.perf_counter() - self._t0, 3)
        self._write()

    def _write_history(self) -> None:
        write_csv_atomic(self.run_dir / HISTORY_CSV, pd.DataFrame(self.history, columns=HISTORY_COLUMNS))

    def _write(self) -> None:
        RunState(self.run_dir).write(self.info)

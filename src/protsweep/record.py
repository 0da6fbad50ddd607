"""The run record: what one job leaves in its directory for the aggregator (see docs/run-record.md)."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from protsweep.atomic import write_csv_atomic, write_json_atomic

RUN_JSON = "run.json"
PREDICTIONS_CSV = "predictions.csv"
METRICS_JSON = "metrics.json"
HISTORY_CSV = "history.csv"
RECORD_FILES = (RUN_JSON, PREDICTIONS_CSV, METRICS_JSON, HISTORY_CSV)
PREDICTION_COLUMNS = ["split", "id", "sequence", "label", "prob"]
HISTORY_COLUMNS = ["stage", "epoch", "loss", "val_loss", "val_auc", "lr"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def read_status(run_dir: Path) -> str | None:
    """The status in ``run_dir/run.json``, or None when there is no readable record."""
    try:
        return json.loads((run_dir / RUN_JSON).read_text()).get("status")
    except (OSError, ValueError, AttributeError):
        return None


def package_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name.replace("-", "_")] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name.replace("-", "_")] = None
    return versions


def git_sha(start: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=start, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def binary_metrics(labels: np.ndarray, probs: np.ndarray) -> dict[str, float | int]:
    """AUC and AUPRC by sklearn, plus size and positive rate."""
    labels = np.asarray(labels, dtype=int)
    probs = np.asarray(probs, dtype=float)
    return {
        "auc": float(roc_auc_score(labels, probs)),
        "auprc": float(average_precision_score(labels, probs)),
        "n": int(labels.size),
        "pos_rate": float(labels.mean()),
    }


@dataclass
class RunRecord:
    """Writes one job's record files, each atomically. ``run.json`` is rewritten at every state change."""

    run_dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    _stage_started: dict[str, float] = field(default_factory=dict)
    _t0: float = field(default_factory=time.perf_counter)

    def is_completed(self) -> bool:
        return read_status(self.run_dir) == "completed"

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
            "status": "running",
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

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        write_json_atomic(self.run_dir / METRICS_JSON, metrics)

    def write_history(self, rows: list[dict[str, Any]]) -> None:
        frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS) if rows else pd.DataFrame(columns=HISTORY_COLUMNS)
        write_csv_atomic(self.run_dir / HISTORY_CSV, frame)

    def complete(self) -> None:
        self._finish("completed")

    def fail(self, error: str, traceback_text: str | None = None) -> None:
        self.info["error"] = error
        self.info["traceback"] = traceback_text
        self._finish("failed")

    def _finish(self, status: str) -> None:
        self.info["status"] = status
        self.info["ended_at"] = now_iso()
        self.info.setdefault("wall_seconds", {})["total"] = round(time.perf_counter() - self._t0, 3)
        self._write()

    def _write(self) -> None:
        write_json_atomic(self.run_dir / RUN_JSON, self.info)

"""Find and load run records (docs/run-record.md); tolerate missing and corrupt files and say why.

Nothing here raises for a bad run: a run whose files cannot be used gets a status other than
``completed`` and an ``error`` line, and the caller reports it.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from protsweep.record.contract import METRICS_JSON, PREDICTION_SPLITS, PREDICTIONS_CSV, RUN_JSON, Status
from protsweep.record.state import NOT_WALKED_NAMES, RunState, walk_run_dirs

from .configkeys import overrides_dict
from .errors import NoRunsError
from .expected import MULTIRUN_YAML, find_sweep_dir, read_yaml
from .metrics import is_degenerate
from .predictions import SplitPredictions, read_predictions

HYDRA_DIR = ".hydra"
RESULTS_DIR = NOT_WALKED_NAMES[0]
__all__ = ["MULTIRUN_YAML", "LoadedRun", "discover_run_dirs", "load_run"]

# Statuses of a loaded run. COMPLETED and FAILED are the writer's words in run.json (the contract's Status).
COMPLETED = Status.COMPLETED
FAILED = Status.FAILED
INCOMPLETE = "incomplete"  # still running, killed, or never wrote run.json
CORRUPT = "corrupt"  # says completed, but a file is missing or unreadable: reported and skipped


@dataclass
class LoadedRun:
    """One run directory as the aggregator read it: its status, config, run.json and predictions."""

    path: Path
    sweep_dir: Path | None
    status: str
    error: str | None = None
    seed: int | None = None
    overrides: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)  # run.json
    metrics: dict[str, Any] | None = None
    test: SplitPredictions | None = None
    valid: SplitPredictions | None = None
    degenerate_splits: tuple[str, ...] = ()  # splits whose predictions are (nearly) constant
    warnings: list[str] = field(default_factory=list)
    fold_runs: tuple[LoadedRun, ...] = ()  # an out-of-fold run (aggregate.oof): the job runs of its folds

    @property
    def usable(self) -> bool:
        return self.status == COMPLETED and self.test is not None

    @property
    def degenerate(self) -> bool:
        return bool(self.degenerate_splits)

    @property
    def ended_at(self) -> str:
        return str(self.info.get("ended_at") or "")

    @property
    def ablation(self) -> dict[str, Any]:
        block = (self.config or {}).get("ablation") or self.info.get("ablation") or {}
        return block if isinstance(block, dict) else {}

    @property
    def split_counts(self) -> dict[str, Any]:
        """``run.json``'s ``data.splits`` (``{"train": {"n": .., "pos": ..}, ...}``), or empty."""
        splits = (self.info.get("data") or {}).get("splits")
        return splits if isinstance(splits, dict) else {}


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def is_run_dir(path: Path) -> bool:
    return (path / HYDRA_DIR / "config.yaml").is_file() or (path / RUN_JSON).is_file()


def discover_run_dirs(paths: list[str | os.PathLike[str]]) -> list[Path]:
    """Every run directory at or below each path (a run directory's own subfolders are not searched)."""
    found: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise NoRunsError(f"{root}: no such directory")
        if not root.is_dir():
            raise NoRunsError(f"{root}: not a directory")
        found.extend(walk_run_dirs(root, is_run_dir))
    unique = list(OrderedDict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise NoRunsError(
            f"no run directories under {', '.join(str(p) for p in paths)} "
            "(a run directory holds .hydra/config.yaml or run.json)"
        )
    return unique


def _one_line(text: str | None) -> str | None:
    if not text:
        return None
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else None


def _read_hydra(rec: LoadedRun) -> None:
    hydra_dir = rec.path / HYDRA_DIR
    if (hydra_dir / "config.yaml").is_file():
        cfg = read_yaml(hydra_dir / "config.yaml")
        rec.config = cfg if isinstance(cfg, dict) else {}
    if (hydra_dir / "overrides.yaml").is_file():
        rec.overrides = [str(o) for o in (read_yaml(hydra_dir / "overrides.yaml") or [])]
    if (hydra_dir / "hydra.yaml").is_file():
        hy = read_yaml(hydra_dir / "hydra.yaml") or {}
        choices = ((hy.get("hydra") or {}).get("runtime") or {}).get("choices") or {}
        rec.choices = {str(k): str(v) for k, v in choices.items()}


def load_run(path: Path) -> LoadedRun:
    """Load one run directory; problems end up in ``status``/``error``/``warnings``, never raised."""
    rec = LoadedRun(path=path, sweep_dir=find_sweep_dir(path), status=INCOMPLETE)
    try:
        _read_hydra(rec)
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        return _corrupt(rec, f".hydra unreadable: {_one_line(str(exc))}")
    if not _read_run_json(rec):
        return rec
    status = str(rec.info.get("status", ""))
    if status == FAILED:
        rec.status = FAILED
        rec.error = _one_line(rec.info.get("error")) or _one_line(rec.info.get("traceback")) or "failed (no error line)"
        return rec
    if status != COMPLETED:
        rec.error = f"run.json says status {status or 'missing'!r} (still running, or killed)"
        return rec
    return _read_outputs(rec)


def _read_run_json(rec: LoadedRun) -> bool:
    """Read run.json into ``rec``; False (with ``rec.error`` set) when there is none or it is unreadable."""
    rec.seed = _seed_from(rec)
    state = RunState.read(rec.path)
    if not (rec.path / RUN_JSON).exists():
        rec.error = state.problem
        return False
    if not state.readable:
        _corrupt(rec, state.problem or "run.json unreadable")
        return False
    rec.info = state.info
    rec.overrides = rec.overrides or state.overrides or []
    rec.choices = rec.choices or state.choices or {}
    rec.seed = _seed_from(rec)
    return True


def _read_outputs(rec: LoadedRun) -> LoadedRun:
    """metrics.json and predictions.csv of a run that says it completed."""
    try:
        metrics = json.loads((rec.path / METRICS_JSON).read_text(encoding="utf-8"))
        if not isinstance(metrics, dict):
            raise ValueError("not a JSON object")
        rec.metrics = metrics
    except FileNotFoundError:
        return _corrupt(rec, "metrics.json missing")
    except (OSError, ValueError) as exc:
        return _corrupt(rec, f"metrics.json unreadable: {_one_line(str(exc))}")
    try:
        by_split = read_predictions(rec.path / PREDICTIONS_CSV)
    except FileNotFoundError:
        return _corrupt(rec, "predictions.csv missing")
    except (OSError, ValueError, KeyError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return _corrupt(rec, f"predictions.csv unusable: {_one_line(str(exc))}")
    rec.test, rec.valid = by_split["test"], by_split.get("valid")
    rec.degenerate_splits = degenerate_splits(rec.info, by_split)
    rec.status = COMPLETED
    return rec


def degenerate_splits(info: dict[str, Any], by_split: dict[str, SplitPredictions]) -> tuple[str, ...]:
    """The splits whose predictions are (nearly) constant: run.json's ``degenerate`` flag when the
    writer recorded one (``true``/``false``, or per split ``{"valid": .., "test": ..}``), else
    ``metrics.is_degenerate`` on the predictions."""
    flag = info.get("degenerate")
    if isinstance(flag, bool):
        return tuple(s for s in PREDICTION_SPLITS if s in by_split) if flag else ()
    if isinstance(flag, dict):
        return tuple(s for s in PREDICTION_SPLITS if flag.get(s) is True)
    return tuple(s for s, p in by_split.items() if p.n and is_degenerate(p.probs))


def _corrupt(rec: LoadedRun, message: str) -> LoadedRun:
    rec.status = CORRUPT
    rec.error = message
    rec.test = None
    return rec


def _seed_from(rec: LoadedRun) -> int | None:
    candidates: list[Any] = []
    if rec.config is not None:
        candidates.append(rec.config.get("seed"))
    candidates.append(rec.info.get("seed"))
    candidates.append(overrides_dict(rec.overrides).get("seed"))
    for value in candidates:
        if value is None or value == "":
            continue
        try:
            return int(value)
        except (TypeError, ValueError):
            continue
    return None

"""What the loggers read: a finished job's record files, turned into tracker-shaped numbers and parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from protsweep.keypolicy import KeyKind, override_key, result_overrides, without
from protsweep.record import HISTORY_COLUMNS, HISTORY_CSV, METRICS_JSON
from protsweep.record.contract import REUSED_FROM_KEY
from protsweep.record.state import RunState

#: history.csv columns that index a row rather than measure it.
HISTORY_INDEX = ("stage", "epoch")
HISTORY_VALUES = tuple(c for c in HISTORY_COLUMNS if c not in HISTORY_INDEX)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}  # metrics.json


@dataclass(frozen=True)
class RunFiles:
    """One job's record as written on disk; absent files read as empty (a job that failed early)."""

    run_dir: Path
    run: dict[str, Any]
    metrics: dict[str, Any]
    history: pd.DataFrame

    @classmethod
    def read(cls, run_dir: Path) -> RunFiles:
        history_path = run_dir / HISTORY_CSV
        history = pd.read_csv(history_path) if history_path.is_file() else pd.DataFrame(columns=HISTORY_COLUMNS)
        return cls(run_dir, RunState.read(run_dir).info, _read_json(run_dir / METRICS_JSON), history)

    @property
    def status(self) -> str:
        return str(self.run.get("status"))


def row_metrics(row: Mapping[str, Any]) -> dict[str, float]:
    """One history row as ``{"<stage>/<column>": value}``; empty cells left out."""
    values = {f"{row['stage']}/{col}": row[col] for col in HISTORY_VALUES if col in row}
    return {tag: float(value) for tag, value in values.items() if value is not None and pd.notna(value)}


def epoch_metrics(history: pd.DataFrame) -> Iterator[tuple[int, dict[str, float]]]:
    """``(step, {"<stage>/<column>": value})`` per history row; the step counts epochs across stages from 1."""
    for step, row in enumerate(history.to_dict("records"), start=1):
        yield step, row_metrics(row)


def flatten(tree: Mapping[str, Any], prefix: str = "", sep: str = "/") -> dict[str, Any]:
    """Nested mappings to one level, keys joined by ``sep``; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name, sep))
        else:
            flat[name] = value
    return flat


def final_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The numbers of metrics.json as ``test/auc``, ``valid/brier``, ``best_epoch``...; non-numbers left out."""
    return {
        name: float(value)
        for name, value in flatten(metrics).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def config_params(cfg: DictConfig) -> dict[str, str]:
    """The composed config, resolved and flattened to ``a.b.c -> value as text``; closed choices (Enums) by
    their plain name (``two_stage``, not ``Freeze.two_stage``), so a tracker's filter on the value a user
    typed finds the run."""
    tree = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False, enum_to_str=True)
    assert isinstance(tree, dict)
    return {name: str(value) for name, value in flatten(tree, sep=".").items()}


def plain_value(text: str) -> str | float | int | bool:
    """An override's value as the number or boolean it spells (``"11"`` -> 11, ``"0.1"`` -> 0.1,
    ``"true"`` -> True), else the text itself (quotes stripped)."""
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip("'\"")


def run_hparams(run: Mapping[str, Any]) -> dict[str, str | float | int | bool]:
    """What distinguishes this run from its neighbours: the chosen option of each group, then its overrides
    (numbers as numbers); output-only keys of the key policy (logger, progress, report...) left out."""
    choices = {k: str(v) for k, v in (run.get("choices") or {}).items()}
    hparams: dict[str, str | float | int | bool] = dict(without(choices, KeyKind.OUTPUT_ONLY))
    for override in result_overrides(str(o) for o in run.get("overrides") or []):
        hparams[override_key(override)] = plain_value(override.partition("=")[2])
    return hparams


def variant_name(run: Mapping[str, Any]) -> str:
    """The run's variant: its result-changing overrides less the replicate keys (seed, fold), as
    ``key=value,...`` in their order; ``default`` when it has none. Every seed and fold of one variant
    shares it (a tracker groups and averages by it)."""
    overrides = without({override_key(o): o for o in result_overrides(str(o) for o in run.get("overrides") or [])},
                        KeyKind.REPLICATE)
    return ",".join(o.lstrip("+~") for o in overrides.values()) or "default"


def reused_source(run: Mapping[str, Any]) -> str | None:
    """Where a reused run's results came from (run.json's ``reused_from``), or None."""
    origin = run.get(REUSED_FROM_KEY)
    if isinstance(origin, Mapping):
        return str(origin.get("run")) if origin.get("run") is not None else None
    return str(origin) if origin else None

"""The objective a tuning sweeper optimises: one validation metric of finished runs, by a documented key.

``tune.metric`` is ``<split>_<metric>``: the split must be ``valid`` (tuning on the test split would make the
test estimate optimistic) and the metric a key of ``metrics.json[split]`` (``auc``, ``auprc``, ``brier``, ...).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

from protsweep.errors import ConfigError
from protsweep.record.contract import FIT_SPLIT, METRICS_JSON, SPLIT_METRIC_KEYS, Status
from protsweep.record.state import read_status

#: the one split a knob may be tuned on
TUNE_SPLIT = FIT_SPLIT


def parse_metric(key: str) -> tuple[str, str]:
    """``valid_auc`` -> ``("valid", "auc")``; one line for a test metric or an unknown one."""
    split, _, metric = str(key).partition("_")
    if split != TUNE_SPLIT:
        raise ConfigError(f"tune.metric={key}: tuning is on the {TUNE_SPLIT} split only (e.g. {TUNE_SPLIT}_auc)")
    if metric not in SPLIT_METRIC_KEYS:
        raise ConfigError(f"tune.metric={key}: unknown metric {metric!r} (known: {', '.join(SPLIT_METRIC_KEYS)})")
    return split, metric


def run_metric(run_dir: Path, key: str) -> float:
    """The run's value of ``key``; NaN when the run did not complete or has no such value."""
    split, metric = parse_metric(key)
    if read_status(run_dir) != Status.COMPLETED:
        return math.nan
    try:
        value = json.loads((Path(run_dir) / METRICS_JSON).read_text())[split][metric]
        return float(value) if value is not None else math.nan
    except (OSError, ValueError, KeyError, TypeError):
        return math.nan


def seed_mean(values: Iterable[float]) -> float:
    """The mean over seeds; NaN when any seed has no value (a trial with a failed seed is a failed trial:
    Optuna records a NaN objective as failed, not as a worse value)."""
    found = list(values)
    if not found or any(math.isnan(v) for v in found):
        return math.nan
    return sum(found) / len(found)

"""The similarity record of a job: the split's leakage report and the nearest-neighbour reference.

Written once the data is split, before any training: ``reference_predictions.csv`` (the test rows' id, label
and reference score) and, in run.json, the ``leakage`` and ``nn_reference`` sections (docs/run-record.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protsweep.atomic import write_csv_atomic
from protsweep.data.leakage import leakage_report
from protsweep.data.nn_reference import nearest_neighbour_scores
from protsweep.record.contract import (
    LEAKAGE_KEY,
    NN_REFERENCE_KEY,
    REFERENCE_COLUMNS,
    REFERENCE_PREDICTIONS_CSV,
    REFERENCE_SCORE_COLUMN,
)
from protsweep.record.metrics import binary_metrics
from protsweep.record.writer import RunRecord

#: how run.json names what the reference is
REFERENCE_LABEL = "sequence similarity alone"


def reference_frame(train: pd.DataFrame, test: pd.DataFrame, cache_dir: str | None = None) -> pd.DataFrame:
    """The test rows' ``id``, ``label`` and nearest-neighbour ``score`` (cached under ``cache_dir`` if set)."""
    out = test[["id", "label"]].copy()
    out[REFERENCE_SCORE_COLUMN] = nearest_neighbour_scores(train, test, cache_dir)
    return out[REFERENCE_COLUMNS]


def reference_summary(frame: pd.DataFrame) -> dict[str, Any]:
    metrics = binary_metrics(frame["label"].to_numpy(), frame[REFERENCE_SCORE_COLUMN].to_numpy())
    return {"label": REFERENCE_LABEL, "auc": metrics["auc"], "auprc": metrics["auprc"], "n": metrics["n"]}


def record_similarity_reference(record: RunRecord, parts: dict[str, pd.DataFrame],
                                cache_dir: str | None = None) -> None:
    """Write reference_predictions.csv and the ``leakage`` / ``nn_reference`` sections of run.json."""
    frame = reference_frame(parts["train"], parts["test"], cache_dir)
    write_csv_atomic(record.run_dir / REFERENCE_PREDICTIONS_CSV, frame)
    record.update(**{LEAKAGE_KEY: leakage_report(parts), NN_REFERENCE_KEY: reference_summary(frame)})

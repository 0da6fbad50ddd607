"""The run-record contract (docs/run-record.md): file names, statuses, columns and metric names.

The writer (:mod:`protsweep.record.writer`, :mod:`protsweep.record.outputs`) and the aggregator both
read these names from here. A leaf module: standard library only.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CALIBRATION_KEY",
    "CALIBRATION_METRICS",
    "COUNT_METRICS",
    "DISCRIMINATION_METRICS",
    "EXAMPLE_COLUMNS",
    "FINGERPRINT_KEY",
    "FIT_SPLIT",
    "HISTORY_COLUMNS",
    "HISTORY_CSV",
    "LEAKAGE_KEY",
    "METRICS_JSON",
    "NN_REFERENCE_KEY",
    "PREDICTIONS_CSV",
    "PREDICTION_COLUMNS",
    "PREDICTION_SPLITS",
    "PROB_COLUMN",
    "RAW_SCORE_COLUMN",
    "RAW_SUFFIX",
    "RECORD_FILES",
    "REFERENCE_COLUMNS",
    "REFERENCE_PREDICTIONS_CSV",
    "REFERENCE_SCORE_COLUMN",
    "REUSED_FROM_KEY",
    "RUN_JSON",
    "SPLIT_METRIC_KEYS",
    "TRAINING_METRIC_KEYS",
    "Status",
    "raw_name",
]

RUN_JSON = "run.json"
PREDICTIONS_CSV = "predictions.csv"
METRICS_JSON = "metrics.json"
HISTORY_CSV = "history.csv"
#: The training-free nearest-neighbour reference on the job's test set (docs/splits.md).
REFERENCE_PREDICTIONS_CSV = "reference_predictions.csv"
#: What a job writes besides Hydra's ``.hydra/``; set aside together by ``overwrite=true``.
RECORD_FILES = (RUN_JSON, PREDICTIONS_CSV, METRICS_JSON, HISTORY_CSV, REFERENCE_PREDICTIONS_CSV)


class Status(StrEnum):
    """``run.json`` ``status``. A StrEnum: it compares equal to, and is written as, its plain string."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


#: run.json key holding the config fingerprint ``{"sha256": ..., "config": {dotted key: value}}``.
FINGERPRINT_KEY = "fingerprint"
#: run.json key of a run copied from an earlier one (``{"run": <path>, "at": <time>}``).
REUSED_FROM_KEY = "reused_from"


#: Splits with predictions and metrics, in file order (the data has a train split too: data.split.SPLITS).
#: The calibrator is fitted on the first.
PREDICTION_SPLITS = ("valid", "test")
FIT_SPLIT = PREDICTION_SPLITS[0]

#: The calibrated probability (Brier, ECE) and the model's raw score (AUC, AUPRC, rankings).
PROB_COLUMN = "prob"
RAW_SCORE_COLUMN = "prob_raw"
#: predictions.csv starts with these; a family's own columns (e.g. ``id_a,id_b``) follow.
PREDICTION_COLUMNS = ["split", "id", "sequence", "label", PROB_COLUMN, RAW_SCORE_COLUMN]
#: What a family supplies per split (``split`` and the two scores are added by the writer).
EXAMPLE_COLUMNS = ["id", "sequence", "label"]

#: reference_predictions.csv: the test rows' ``id`` and ``label`` (as in predictions.csv) and the reference score.
REFERENCE_SCORE_COLUMN = "score"
REFERENCE_COLUMNS = ["id", "label", REFERENCE_SCORE_COLUMN]
#: run.json sections: the split's leakage report, and the reference's test AUC/AUPRC.
LEAKAGE_KEY = "leakage"
NN_REFERENCE_KEY = "nn_reference"

#: history.csv: one row per epoch per stage.
HISTORY_COLUMNS = ["stage", "epoch", "loss", "val_loss", "val_auc", "lr"]

#: Per-split metrics in metrics.json. Discrimination metrics come from the raw scores (calibration is
#: monotone but may tie, so it must not move them); calibration metrics are recorded for the calibrated
#: probabilities under their own name and for the raw ones under ``<name>_raw``.
DISCRIMINATION_METRICS = ("auc", "auprc")
CALIBRATION_METRICS = ("brier", "ece")
COUNT_METRICS = ("n", "pos_rate")
RAW_SUFFIX = "_raw"


def raw_name(metric: str) -> str:
    return f"{metric}{RAW_SUFFIX}"


#: Every key of ``metrics.json[<split>]``.
SPLIT_METRIC_KEYS = (
    *DISCRIMINATION_METRICS,
    *COUNT_METRICS,
    *CALIBRATION_METRICS,
    *(raw_name(m) for m in CALIBRATION_METRICS),
)
#: Top-level keys of metrics.json besides the splits (a family may add more, e.g. ``stages``).
TRAINING_METRIC_KEYS = ("best_epoch", "epochs_run")
CALIBRATION_KEY = "calibration"  # the calibrator's params(): _target_, name, n_bins and fitted values


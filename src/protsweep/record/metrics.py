"""The per-split metrics of metrics.json (names from :mod:`protsweep.record.contract`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from protsweep.calibration.metrics import calibration_metrics
from protsweep.record.contract import COUNT_METRICS, DISCRIMINATION_METRICS, raw_name

# A run whose predictions on a split take fewer distinct values, or span less, is degenerate.
DEGENERATE_MIN_DISTINCT = 3
DEGENERATE_MIN_RANGE = 1e-6


def binary_metrics(labels: ArrayLike, scores: ArrayLike) -> dict[str, float | int]:
    """AUC and AUPRC by sklearn, plus size and positive rate."""
    from sklearn.metrics import average_precision_score, roc_auc_score  # deferred: ``is_degenerate`` needs no sklearn

    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    discrimination = (roc_auc_score(labels, scores), average_precision_score(labels, scores))
    counts = (int(labels.size), float(labels.mean()))
    return {
        **{name: float(value) for name, value in zip(DISCRIMINATION_METRICS, discrimination, strict=True)},
        **dict(zip(COUNT_METRICS, counts, strict=True)),
    }


def split_metrics(labels: ArrayLike, raw: ArrayLike, calibrated: ArrayLike, n_bins: int) -> dict[str, float | int]:
    """Discrimination from the raw scores; Brier/ECE of the calibrated probabilities and of the raw ones."""
    raw_calibration = calibration_metrics(labels, raw, n_bins)
    return {
        **binary_metrics(labels, raw),
        **calibration_metrics(labels, calibrated, n_bins),
        **{raw_name(name): value for name, value in raw_calibration.items()},
    }


def is_degenerate(probs: ArrayLike) -> bool:
    """True when predictions are constant or nearly so: fewer than ``DEGENERATE_MIN_DISTINCT``
    distinct values, or a range below ``DEGENERATE_MIN_RANGE``.

    Such a model ranks (almost) nothing, so its AUC of about 0.5 says that training collapsed, not
    how well the recipe ranks. The run writer (record.outputs) records this flag in run.json; the
    aggregator uses the same function on records that lack it.
    """
    p = np.asarray(probs, dtype=np.float64).ravel()
    if p.size == 0:
        raise ValueError("is_degenerate needs at least one prediction")
    return bool(np.unique(p).size < DEGENERATE_MIN_DISTINCT or np.ptp(p) < DEGENERATE_MIN_RANGE)

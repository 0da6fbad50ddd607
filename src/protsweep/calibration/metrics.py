"""Calibration metrics of a set of probabilities: Brier score (sklearn) and ECE."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from protsweep.record.contract import CALIBRATION_METRICS


def expected_calibration_error(labels: ArrayLike, probs: ArrayLike, n_bins: int = 10) -> float:
    """ECE with equal-width bins: the bin-size-weighted mean |accuracy - confidence| of the positive class."""
    labels = np.asarray(labels, dtype=float)
    probs = np.asarray(probs, dtype=float)
    bins = np.minimum((probs * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        inside = bins == b
        if inside.any():
            total += inside.sum() * abs(labels[inside].mean() - probs[inside].mean())
    return float(total / labels.size)


def brier_score(labels: ArrayLike, probs: ArrayLike) -> float:
    from sklearn.metrics import brier_score_loss  # deferred: importing this module (predict's start-up) stays light

    return float(brier_score_loss(np.asarray(labels, dtype=int), np.asarray(probs, dtype=float)))


def calibration_metrics(labels: ArrayLike, probs: ArrayLike, n_bins: int = 10) -> dict[str, float]:
    """Brier score and ECE, named as the run-record contract names them."""
    values = (brier_score(labels, probs), expected_calibration_error(labels, probs, n_bins))
    return dict(zip(CALIBRATION_METRICS, values, strict=True))

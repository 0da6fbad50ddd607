"""Post-hoc calibration fitted on the validation set, and calibration metrics (Brier, ECE)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from protsweep.errors import ConfigError

METHODS = ("none", "platt", "isotonic")


def fit_calibrator(
    method: str, valid_probs: np.ndarray, valid_labels: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """A map from raw to calibrated probabilities. Platt: logistic regression on the logit;
    isotonic: a monotone step function (it can create ties, so it can change AUC)."""
    if method not in METHODS:
        raise ConfigError(f"calibration must be one of {', '.join(METHODS)}, not '{method}'")
    if method == "none":
        return lambda probs: np.asarray(probs, dtype=float)
    if method == "platt":
        model = LogisticRegression(C=1e6)
        model.fit(_logit(valid_probs)[:, None], valid_labels)
        return lambda probs: model.predict_proba(_logit(probs)[:, None])[:, 1]
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(valid_probs, valid_labels)
    return lambda probs: iso.predict(np.asarray(probs, dtype=float))


def _logit(probs: np.ndarray) -> np.ndarray:
    clipped = np.clip(np.asarray(probs, dtype=float), 1e-7, 1 - 1e-7)
    return np.log(clipped / (1 - clipped))


def expected_calibration_error(labels: np.ndarray, probs: np.ndarray, n_bins: int = 10) -> float:
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


def calibration_metrics(labels: np.ndarray, probs: np.ndarray, n_bins: int = 10) -> dict[str, float]:
    return {
        "brier": float(brier_score_loss(labels, probs)),
        "ece": expected_calibration_error(labels, probs, n_bins),
    }

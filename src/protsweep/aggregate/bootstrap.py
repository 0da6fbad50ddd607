"""Class-stratified test-set bootstrap: one set of resamples shared by every run on the same test set.

Positives and negatives are resampled separately, each with replacement and at its own size, so no
resample is single-class and every resample has the test set's class balance. Sharing the resamples
across runs makes the bootstrap *paired*: a difference between two score vectors is evaluated on the
same resampled examples.

The draws replicate ``scipy.stats.bootstrap(data=(positives, negatives), paired=False,
method="percentile", rng=numpy.random.default_rng(seed))``: first a (B x n_pos) matrix of positive
indices, then a (B x n_neg) matrix of negative indices from one generator, and percentile intervals
with linear interpolation. With the same seed, both give the same interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .metrics import FloatArray, resampled_auc_auprc

DEFAULT_N_BOOT = 2000
CONFIDENCE = 0.95


def stratified_indices(labels: ArrayLike, n_boot: int, seed: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Resample indices (B x n_pos into the positives, B x n_neg into the negatives)."""
    y = np.asarray(labels)
    n_pos = int((y == 1).sum())
    n_neg = int((y == 0).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("a stratified bootstrap needs both classes")
    rng = np.random.default_rng(seed)
    pos_idx = rng.integers(0, n_pos, (n_boot, n_pos))
    neg_idx = rng.integers(0, n_neg, (n_boot, n_neg))
    return pos_idx, neg_idx


def _counts(idx: NDArray[np.int64], n: int) -> NDArray[np.int32]:
    rows = idx.shape[0]
    flat = (idx + (np.arange(rows, dtype=np.int64) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.int32)


@dataclass(frozen=True)
class StratifiedBootstrap:
    """Resample counts for one test set (labels in the order of the aligned test ids)."""

    labels: NDArray[np.int8]
    pos_counts: NDArray[np.int32]
    neg_counts: NDArray[np.int32]
    seed: int

    @classmethod
    def create(cls, labels: ArrayLike, n_boot: int = DEFAULT_N_BOOT, seed: int = 0) -> StratifiedBootstrap:
        y = np.asarray(labels).astype(np.int8)
        pos_idx, neg_idx = stratified_indices(y, n_boot, seed)
        return cls(y, _counts(pos_idx, pos_idx.shape[1]), _counts(neg_idx, neg_idx.shape[1]), seed)

    @property
    def n_boot(self) -> int:
        return int(self.pos_counts.shape[0])

    def auc_auprc(self, scores: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """AUC and AUPRC of ``scores`` on every resample (arrays of length ``n_boot``)."""
        return resampled_auc_auprc(scores, self.labels, self.pos_counts, self.neg_counts)


def percentile_ci(values: ArrayLike, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile interval (linear interpolation, as ``scipy.stats.bootstrap(method='percentile')``)."""
    v = np.asarray(values, dtype=np.float64)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(v, [alpha, 1.0 - alpha])
    return float(lo), float(hi)

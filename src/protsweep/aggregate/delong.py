"""DeLong's test for two correlated ROC AUCs on the same examples, with Sun & Xu's fast algorithm.

DeLong, DeLong & Clarke-Pearson (1988) estimate the covariance of AUCs from *structural components*:
for positive i, ``V10_i`` is the fraction of negatives it outranks (ties count half); for negative j,
``V01_j`` is the fraction of positives that outrank it. Sun & Xu (2014) obtain the same components
from midranks in O(n log n) instead of O(n_pos * n_neg):

    V10_i = (Tz_i - Tx_i) / n_neg          Tz: midranks in all examples, Tx: among the positives
    V01_j = 1 - (Tz_j - Ty_j) / n_pos      Ty: midranks among the negatives

    S = cov(V10) / n_pos + cov(V01) / n_neg     (covariances across the two score vectors, ddof=1)
    Var(AUC_1 - AUC_2) = S_11 + S_22 - 2 S_12,   z = delta / sqrt(var),   p = 2 * Phi(-|z|)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, rankdata


@dataclass(frozen=True)
class DeLongResult:
    auc_1: float
    auc_2: float
    delta: float  # auc_1 - auc_2
    var: float  # variance of delta
    z: float
    p_value: float  # two-sided


def structural_components(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AUCs and DeLong's structural components of each row of ``scores`` (R x n) on ``labels``.

    Returns (aucs (R,), v10 (R x n_pos), v01 (R x n_neg)); the mean of v10 (or of v01) is the AUC.
    """
    y = np.asarray(labels)
    s = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    if s.shape[1] != y.size:
        raise ValueError("scores and labels differ in length")
    pos = y == 1
    neg = y == 0
    m = int(pos.sum())
    n = int(neg.sum())
    if m < 2 or n < 2:
        raise ValueError("DeLong needs at least two positives and two negatives")
    x = s[:, pos]
    z = s[:, neg]
    tx = rankdata(x, axis=1)
    ty = rankdata(z, axis=1)
    tz = rankdata(np.hstack([x, z]), axis=1)
    aucs = tz[:, :m].sum(axis=1) / (m * n) - (m + 1) / (2.0 * n)
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    return aucs, v10, v01


def delong_paired(labels: ArrayLike, scores_1: ArrayLike, scores_2: ArrayLike) -> DeLongResult:
    """DeLong test of AUC(scores_1) vs AUC(scores_2) on the same labelled examples."""
    s = np.vstack([np.asarray(scores_1, dtype=np.float64), np.asarray(scores_2, dtype=np.float64)])
    aucs, v10, v01 = structural_components(labels, s)
    cov = np.cov(v10) / v10.shape[1] + np.cov(v01) / v01.shape[1]
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    delta = float(aucs[0] - aucs[1])
    if var <= 1e-300:
        # Identical rankings (or degenerate data): no sampling variability in the difference.
        z_stat = 0.0 if delta == 0.0 else math.copysign(math.inf, delta)
        p = 1.0 if delta == 0.0 else 0.0
    else:
        z_stat = delta / math.sqrt(var)
        p = float(2.0 * norm.sf(abs(z_stat)))
    return DeLongResult(float(aucs[0]), float(aucs[1]), delta, var, float(z_stat), p)

"""Rank-based ROC AUC and average precision, for one score vector and many bootstrap resamples at once.

A stratified bootstrap resample is described by *counts*: how often each positive and each negative
example of the test set was drawn. With the counts as integer weights, the metrics below are exactly
those of sklearn's ``roc_auc_score`` / ``average_precision_score`` on the resampled (repeated) data,
ties included:

* AUC is the weighted Mann-Whitney statistic: for each positive, the weight of negatives scored
  strictly below it plus half the weight of negatives with an equal score.
* Average precision is ``sum_t (R_t - R_{t-1}) P_t`` over distinct score thresholds ``t`` (highest
  first), which equals ``sum_i w_i * precision(score >= s_i) / sum_i w_i`` over the positives ``i``.

Sorting is done once per score vector; each resample then costs a cumulative sum over the sorted
negatives and positives and a few gathers, with no Python loop over resamples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protsweep.record.metrics import is_degenerate

__all__ = ["auc_auprc", "auc_edge_eps", "is_degenerate", "pr_points", "resampled_auc_auprc", "roc_points"]

FloatArray = NDArray[np.float64]

# Rows of resamples processed together: keeps the working set in cache without a per-resample loop.
_CHUNK = 512


def auc_edge_eps(labels: ArrayLike) -> float:
    """Half the AUC's resolution on these labels, 0.5 / (n_pos * n_neg): how close to 0 or 1 a seed's
    AUC is taken to be when it sits exactly on the edge (for a logit-scale interval)."""
    y = np.asarray(labels)
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    return 0.5 / max(n_pos * n_neg, 1)


@dataclass(frozen=True)
class _SortedScores:
    """Search positions of the positives in the sorted negatives and the sorted positives."""

    neg_order: NDArray[np.intp]
    pos_order: NDArray[np.intp]
    neg_lo: NDArray[np.intp]  # number of negatives scored strictly below each positive
    neg_hi: NDArray[np.intp]  # number of negatives scored at or below each positive
    pos_lo: NDArray[np.intp]  # number of positives scored strictly below each positive


def _prepare(s_pos: FloatArray, s_neg: FloatArray) -> _SortedScores:
    neg_order = np.argsort(s_neg, kind="stable")
    pos_order = np.argsort(s_pos, kind="stable")
    sn = s_neg[neg_order]
    sp = s_pos[pos_order]
    return _SortedScores(
        neg_order=neg_order,
        pos_order=pos_order,
        neg_lo=np.searchsorted(sn, s_pos, side="left"),
        neg_hi=np.searchsorted(sn, s_pos, side="right"),
        pos_lo=np.searchsorted(sp, s_pos, side="left"),
    )


def _cumsum_with_zero(counts: NDArray[np.integer], order: NDArray[np.intp]) -> NDArray[np.int64]:
    """Row-wise cumulative counts in sorted order, with a leading zero column."""
    rows, n = counts.shape
    out = np.zeros((rows, n + 1), dtype=np.int64)
    np.cumsum(np.take(counts, order, axis=1), axis=1, out=out[:, 1:])
    return out


def resampled_auc_auprc(
    scores: ArrayLike,
    labels: ArrayLike,
    pos_counts: NDArray[np.integer],
    neg_counts: NDArray[np.integer],
) -> tuple[FloatArray, FloatArray]:
    """AUC and average precision of ``scores`` on each resample.

    ``pos_counts`` (B x n_pos) and ``neg_counts`` (B x n_neg) give how often each positive / negative
    (in the order they appear in ``labels``) occurs in each of the B resamples. Every row needs at
    least one positive and one negative draw (a stratified bootstrap guarantees it).
    Returns two arrays of length B.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    s_pos = s[y == 1]
    s_neg = s[y == 0]
    if pos_counts.shape[1] != s_pos.size or neg_counts.shape[1] != s_neg.size:
        raise ValueError("counts do not match the number of positives / negatives")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN")
    prep = _prepare(s_pos, s_neg)
    n_rows = pos_counts.shape[0]
    auc = np.empty(n_rows)
    ap = np.empty(n_rows)
    for start in range(0, n_rows, _CHUNK):
        rows = slice(start, min(start + _CHUNK, n_rows))
        wp = pos_counts[rows].astype(np.float64)
        cum_neg = _cumsum_with_zero(neg_counts[rows], prep.neg_order)
        cum_pos = _cumsum_with_zero(pos_counts[rows], prep.pos_order)
        n_tot = cum_neg[:, -1].astype(np.float64)
        p_tot = cum_pos[:, -1].astype(np.float64)
        below = cum_neg[:, prep.neg_lo]
        at_or_below = cum_neg[:, prep.neg_hi]
        # Integer-valued sums in float64 are exact below 2**53: the AUC numerator carries no rounding.
        num = np.einsum("ij,ij->i", wp, (below + at_or_below).astype(np.float64))
        auc[rows] = num / (2.0 * p_tot * n_tot)
        tp_ge = p_tot[:, None] - cum_pos[:, prep.pos_lo]
        fp_ge = n_tot[:, None] - below
        denom = tp_ge + fp_ge
        precision = np.divide(tp_ge, denom, out=np.zeros_like(tp_ge), where=denom > 0)
        ap[rows] = np.einsum("ij,ij->i", wp, precision) / p_tot
    return auc, ap


def auc_auprc(scores: ArrayLike, labels: ArrayLike) -> tuple[float, float]:
    """ROC AUC and average precision of one score vector (both classes must be present)."""
    y = np.asarray(labels)
    n_pos = int((y == 1).sum())
    n_neg = int((y == 0).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs both classes in the labels")
    auc, ap = resampled_auc_auprc(scores, y, np.ones((1, n_pos), dtype=np.int64), np.ones((1, n_neg), dtype=np.int64))
    return float(auc[0]), float(ap[0])


def roc_points(scores: ArrayLike, labels: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """False and true positive rates at every distinct threshold, starting at (0, 0) (for plots)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(np.float64)
    tps, fps = _cumulative_at_thresholds(s, y)
    tpr = np.concatenate([[0.0], tps / tps[-1]])
    fpr = np.concatenate([[0.0], fps / fps[-1]])
    return fpr, tpr


def pr_points(scores: ArrayLike, labels: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Recall and precision at every distinct threshold, highest threshold first (for plots)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(np.float64)
    tps, fps = _cumulative_at_thresholds(s, y)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return np.concatenate([[0.0], recall]), np.concatenate([[1.0], precision])


def _cumulative_at_thresholds(s: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    y_sorted = y[order]
    last_of_group = np.r_[np.flatnonzero(np.diff(s_sorted)), s_sorted.size - 1]
    tps = np.cumsum(y_sorted)[last_of_group]
    fps = (last_of_group + 1) - tps
    return tps, fps

"""Rank-based AUC / AUPRC against sklearn, on original data and on bootstrap resamples (with ties)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from protsweep.aggregate.bootstrap import StratifiedBootstrap, stratified_indices
from protsweep.aggregate.metrics import auc_auprc, pr_points, resampled_auc_auprc, roc_points


def _data(seed: int, n: int, decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rng.uniform(0.1, 0.6)).astype(int)
    y[0], y[1] = 1, 0
    s = rng.random(n) + 0.5 * y * rng.random()
    if decimals is not None:  # coarse scores: many ties within and across classes
        s = np.round(s, decimals)
    return y, s


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("decimals", [None, 1, 2])
def test_point_metrics_equal_sklearn(seed: int, decimals: int | None) -> None:
    y, s = _data(seed, int(np.random.default_rng(seed).integers(4, 200)), decimals)
    auc, ap = auc_auprc(s, y)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert ap == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_all_tied_scores() -> None:
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.full(6, 0.3)
    auc, ap = auc_auprc(s, y)
    assert auc == pytest.approx(roc_auc_score(y, s)) == 0.5
    assert ap == pytest.approx(average_precision_score(y, s))


@pytest.mark.parametrize("seed", range(6))
def test_every_resample_equals_sklearn_on_the_resampled_data(seed: int) -> None:
    y, s = _data(seed, 120, 2 if seed % 2 else None)
    boot = StratifiedBootstrap.create(y, n_boot=150, seed=seed)
    auc, ap = boot.auc_auprc(s)
    pos = np.flatnonzero(y == 1)
    neg = np.flatnonzero(y == 0)
    pos_idx, neg_idx = stratified_indices(y, 150, seed)
    for b in range(150):
        idx = np.r_[pos[pos_idx[b]], neg[neg_idx[b]]]
        assert auc[b] == pytest.approx(roc_auc_score(y[idx], s[idx]), abs=1e-12)
        assert ap[b] == pytest.approx(average_precision_score(y[idx], s[idx]), abs=1e-12)


def test_resamples_may_omit_examples_and_repeat_others() -> None:
    # Hand-made counts, including zero weights on the top-scored examples (precision there is 0/0).
    y = np.array([1, 0, 1, 0, 0, 1, 0])
    s = np.array([0.9, 0.95, 0.2, 0.2, 0.1, 0.5, 0.5])
    pos_counts = np.array([[0, 2, 1], [3, 0, 0]])
    neg_counts = np.array([[0, 1, 2, 1], [1, 1, 1, 1]])
    auc, ap = resampled_auc_auprc(s, y, pos_counts, neg_counts)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    for b in range(2):
        idx = np.r_[np.repeat(pos, pos_counts[b]), np.repeat(neg, neg_counts[b])]
        assert auc[b] == pytest.approx(roc_auc_score(y[idx], s[idx]), abs=1e-12)
        assert ap[b] == pytest.approx(average_precision_score(y[idx], s[idx]), abs=1e-12)


def test_counts_describe_the_index_draws() -> None:
    y, _ = _data(3, 80, None)
    boot = StratifiedBootstrap.create(y, n_boot=50, seed=9)
    pos_idx, neg_idx = stratified_indices(y, 50, 9)
    for b in range(50):
        assert np.array_equal(boot.pos_counts[b], np.bincount(pos_idx[b], minlength=pos_idx.shape[1]))
        assert np.array_equal(boot.neg_counts[b], np.bincount(neg_idx[b], minlength=neg_idx.shape[1]))
    # Stratified: every resample keeps the class sizes, so none is single-class.
    assert (boot.pos_counts.sum(axis=1) == (y == 1).sum()).all()
    assert (boot.neg_counts.sum(axis=1) == (y == 0).sum()).all()


def test_curves_match_sklearn() -> None:
    y, s = _data(5, 150, 2)
    fpr, tpr = roc_points(s, y)
    fpr_sk, tpr_sk, _ = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, fpr_sk)
    np.testing.assert_allclose(tpr, tpr_sk)
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(y, s))
    recall, precision = pr_points(s, y)
    prec_sk, rec_sk, _ = precision_recall_curve(y, s, drop_intermediate=False)
    # sklearn lists from the lowest threshold up; ours from the highest down, both ending at (0, 1).
    np.testing.assert_allclose(recall, rec_sk[::-1])
    np.testing.assert_allclose(precision, prec_sk[::-1])


def test_rejects_nan_scores() -> None:
    with pytest.raises(ValueError, match="NaN"):
        auc_auprc(np.array([0.1, np.nan, 0.3]), np.array([0, 1, 1]))

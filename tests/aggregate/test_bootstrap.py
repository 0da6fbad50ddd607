"""Bootstrap percentile CIs against scipy.stats.bootstrap (same resamples) and a Monte-Carlo check."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import average_precision_score

from protsweep.aggregate.bootstrap import StratifiedBootstrap, percentile_ci
from protsweep.aggregate.delong import delong_paired


def _brute_auc(pos: np.ndarray, neg: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mann-Whitney AUC by comparing every positive with every negative (independent of the package)."""
    p = np.moveaxis(pos, axis, -1)[..., :, None]
    n = np.moveaxis(neg, axis, -1)[..., None, :]
    return ((p > n) + 0.5 * (p == n)).mean(axis=(-2, -1))


@pytest.fixture
def scores() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    y = np.r_[np.ones(30, int), np.zeros(70, int)]
    rng.shuffle(y)
    s1 = np.round(rng.normal(size=100) + 1.0 * y, 2)
    s2 = np.round(0.6 * s1 + rng.normal(size=100) * 0.8 + 0.3 * y, 2)
    return y, s1, s2


def test_auc_percentile_ci_equals_scipy_with_the_same_resamples(scores) -> None:
    y, s1, _ = scores
    boot = StratifiedBootstrap.create(y, n_boot=2000, seed=123)
    auc_b, _ = boot.auc_auprc(s1)
    ours = percentile_ci(auc_b)
    # scipy resamples each sample independently: (positives, negatives) is the stratified bootstrap.
    res = stats.bootstrap(
        (s1[y == 1], s1[y == 0]),
        _brute_auc,
        paired=False,
        vectorized=True,
        n_resamples=2000,
        method="percentile",
        confidence_level=0.95,
        rng=np.random.default_rng(123),
    )
    assert ours == pytest.approx((res.confidence_interval.low, res.confidence_interval.high), abs=1e-12)
    np.testing.assert_allclose(np.sort(auc_b), np.sort(res.bootstrap_distribution), atol=1e-12)


def test_auprc_percentile_ci_equals_scipy_with_the_same_resamples(scores) -> None:
    y, s1, _ = scores
    boot = StratifiedBootstrap.create(y, n_boot=2000, seed=5)
    _, ap_b = boot.auc_auprc(s1)

    def ap(pos: np.ndarray, neg: np.ndarray) -> float:
        return average_precision_score(np.r_[np.ones(pos.size), np.zeros(neg.size)], np.r_[pos, neg])

    res = stats.bootstrap(
        (s1[y == 1], s1[y == 0]),
        ap,
        paired=False,
        vectorized=False,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(5),
    )
    assert percentile_ci(ap_b) == pytest.approx(
        (res.confidence_interval.low, res.confidence_interval.high), abs=1e-12
    )


def test_paired_delta_ci_equals_scipy_with_the_same_resamples(scores) -> None:
    y, s1, s2 = scores
    boot = StratifiedBootstrap.create(y, n_boot=2000, seed=7)
    a1, _ = boot.auc_auprc(s1)
    a2, _ = boot.auc_auprc(s2)
    pos1, neg1, pos2, neg2 = s1[y == 1], s1[y == 0], s2[y == 1], s2[y == 0]

    # Resample example *indices* per class; the statistic evaluates both score vectors on them (paired).
    def delta(ip: np.ndarray, ineg: np.ndarray, axis: int = -1) -> np.ndarray:
        return _brute_auc(pos1[ip], neg1[ineg]) - _brute_auc(pos2[ip], neg2[ineg])

    res = stats.bootstrap(
        (np.arange(pos1.size), np.arange(neg1.size)),
        delta,
        paired=False,
        vectorized=True,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(7),
    )
    assert percentile_ci(a1 - a2) == pytest.approx(
        (res.confidence_interval.low, res.confidence_interval.high), abs=1e-12
    )


def test_fixed_generator_reproduces_and_seed_matters(scores) -> None:
    y, s1, _ = scores
    a = StratifiedBootstrap.create(y, n_boot=500, seed=1).auc_auprc(s1)[0]
    b = StratifiedBootstrap.create(y, n_boot=500, seed=1).auc_auprc(s1)[0]
    c = StratifiedBootstrap.create(y, n_boot=500, seed=2).auc_auprc(s1)[0]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bootstrap_se_agrees_with_delong_se_on_a_known_case() -> None:
    """Binormal scores, true AUC = Phi(1/sqrt(2)): the bootstrap SE is close to DeLong's analytic SE and
    the interval covers the truth (Monte-Carlo tolerance)."""
    rng = np.random.default_rng(2024)
    y = np.r_[np.ones(300, int), np.zeros(700, int)]
    s = rng.normal(size=1000) + y
    boot = StratifiedBootstrap.create(y, n_boot=4000, seed=0)
    auc_b, _ = boot.auc_auprc(s)
    dl = delong_paired(y, s, rng.normal(size=1000))  # against noise: var_1 is the first diagonal term
    # DeLong's variance of a single AUC from the structural components:
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]).astype(float)
    se_delong = np.sqrt(psi.mean(1).var(ddof=1) / pos.size + psi.mean(0).var(ddof=1) / neg.size)
    assert auc_b.std(ddof=1) == pytest.approx(se_delong, rel=0.1)
    lo, hi = percentile_ci(auc_b)
    truth = stats.norm.cdf(1 / np.sqrt(2))
    assert lo < truth < hi
    assert lo < dl.auc_1 < hi

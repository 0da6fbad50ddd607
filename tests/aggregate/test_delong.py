"""Fast DeLong (Sun & Xu) against a brute-force structural-components computation over all pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from protsweep.aggregate.delong import delong_paired


def brute_force_delong(y: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> tuple[float, float, float, float]:
    """DeLong et al. (1988) literally: psi over every positive/negative pair, O(n_pos * n_neg)."""
    comps = []
    for s in (s1, s2):
        pos, neg = s[y == 1], s[y == 0]
        psi = np.array([[1.0 if p > q else 0.5 if p == q else 0.0 for q in neg] for p in pos])
        comps.append((psi.mean(), psi.mean(axis=1), psi.mean(axis=0)))
    m, n = int((y == 1).sum()), int((y == 0).sum())
    v10 = np.vstack([c[1] for c in comps])
    v01 = np.vstack([c[2] for c in comps])
    s10 = np.cov(v10)
    s01 = np.cov(v01)
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    delta = comps[0][0] - comps[1][0]
    p = 2 * stats.norm.sf(abs(delta) / math.sqrt(var))
    return comps[0][0], comps[1][0], var, p


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 70))
    y = (rng.random(n) < 0.35).astype(int)
    y[:2], y[2:4] = 1, 0
    s1 = rng.normal(size=n) + 0.8 * y
    s2 = 0.5 * s1 + rng.normal(size=n) + 0.3 * y
    if seed % 3 == 0:  # ties within and across classes
        s1, s2 = np.round(s1, 1), np.round(s2, 1)
    res = delong_paired(y, s1, s2)
    auc1, auc2, var, p = brute_force_delong(y, s1, s2)
    assert res.auc_1 == pytest.approx(auc1, abs=1e-9)
    assert res.auc_2 == pytest.approx(auc2, abs=1e-9)
    assert res.var == pytest.approx(var, abs=1e-9)
    assert res.p_value == pytest.approx(p, abs=1e-9)
    assert res.delta == pytest.approx(auc1 - auc2, abs=1e-12)
    assert res.auc_1 == pytest.approx(roc_auc_score(y, s1), abs=1e-12)


def test_identical_scores_give_p_one() -> None:
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    s = np.linspace(0, 1, 8)
    res = delong_paired(y, s, s.copy())
    assert res.delta == 0.0
    assert res.p_value == 1.0


def test_needs_two_of_each_class() -> None:
    with pytest.raises(ValueError):
        delong_paired(np.array([1, 0, 0]), np.array([0.1, 0.2, 0.3]), np.array([0.3, 0.2, 0.1]))

"""Holm (hand-worked), t-intervals and the paired t-test against scipy; the sign-test remark."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from protsweep.aggregate.stat_tests import holm, paired_ttest, t_summary


def test_holm_hand_worked_example() -> None:
    # p = (0.01, 0.04, 0.03, 0.005), m = 4. Sorted: 0.005, 0.01, 0.03, 0.04.
    #   0.005 * 4 = 0.02
    #   0.01  * 3 = 0.03
    #   0.03  * 2 = 0.06
    #   0.04  * 1 = 0.04 -> not below the previous step: max(0.06, 0.04) = 0.06
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_skips_nan() -> None:
    # Family of two (the NaN is not tested): 0.5 * 2 = 1.0; 0.6 * 1 = 0.6 -> max(1.0, 0.6) = 1.0.
    adjusted = holm([0.5, math.nan, 0.6])
    assert adjusted[0] == 1.0 and adjusted[2] == 1.0 and math.isnan(adjusted[1])
    assert holm([0.2])[0] == pytest.approx(0.2)
    assert holm([]).size == 0


def test_t_summary_matches_scipy() -> None:
    v = np.array([0.871, 0.882, 0.879, 0.868, 0.890])
    s = t_summary(v)
    lo, hi = stats.t.interval(0.95, df=4, loc=v.mean(), scale=stats.sem(v))
    assert (s.mean, s.sd, s.ci_lo, s.ci_hi) == pytest.approx((v.mean(), v.std(ddof=1), lo, hi))


def test_t_summary_one_value_has_no_interval() -> None:
    s = t_summary([0.88])
    assert s.mean == 0.88 and math.isnan(s.sd) and math.isnan(s.ci_lo) and math.isnan(s.ci_hi)


def test_paired_ttest_matches_scipy() -> None:
    a = np.array([0.90, 0.91, 0.89, 0.92, 0.905])
    b = np.array([0.88, 0.90, 0.885, 0.90, 0.89])
    t = paired_ttest(a, b)
    ref = stats.ttest_rel(a, b)
    assert t.t == pytest.approx(ref.statistic) and t.p_value == pytest.approx(ref.pvalue)
    assert t.delta.mean == pytest.approx((a - b).mean())


def test_paired_ttest_degenerate_cases() -> None:
    assert math.isnan(paired_ttest([0.9], [0.8]).p_value)
    assert paired_ttest([0.9, 0.8], [0.9, 0.8]).p_value == 1.0


def test_sign_test_with_five_seeds_can_never_reach_five_percent() -> None:
    # Best case for a sign test: all 5 seeds favour the variant. Exact two-sided p = 2 * 0.5**5.
    assert stats.binomtest(5, 5, 0.5).pvalue == pytest.approx(0.0625)
    assert stats.binomtest(5, 5, 0.5).pvalue > 0.05


def test_wilcoxon_with_five_seeds_has_the_same_floor() -> None:
    assert stats.wilcoxon([0.01, 0.02, 0.03, 0.04, 0.05]).pvalue == pytest.approx(0.0625)

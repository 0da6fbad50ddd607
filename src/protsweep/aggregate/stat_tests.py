"""Seed-level statistics: mean, sd and t-interval, paired t-test, and Holm's step-down adjustment."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

# Default clamp of a bounded value (rescaled to [0, 1]) before the logit: an AUC of exactly 1 stays finite.
BOUND_EPS = 1e-6


@dataclass(frozen=True)
class SeedSummary:
    n: int
    mean: float
    sd: float  # ddof=1; NaN for one seed
    ci_lo: float  # 95% t-interval for the mean; NaN for one seed
    ci_hi: float


def t_summary(values: ArrayLike, confidence: float = 0.95) -> SeedSummary:
    """Mean, sample sd (ddof=1) and a t-interval for the mean; NaN where fewer than two values."""
    v = np.asarray(values, dtype=np.float64)
    n = int(v.size)
    if n == 0:
        return SeedSummary(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(v.mean())
    if n < 2:
        return SeedSummary(n, mean, math.nan, math.nan, math.nan)
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1)) * sd / math.sqrt(n)
    return SeedSummary(n, mean, sd, mean - half, mean + half)


def bounded_t_summary(
    values: ArrayLike, lower: float = 0.0, upper: float = 1.0, confidence: float = 0.95, eps: float = BOUND_EPS
) -> SeedSummary:
    """Mean and sd as ``t_summary``, with the t-interval computed on the logit scale of the range.

    Values in [lower, upper] are mapped to u = (x - lower) / (upper - lower), clamped to
    [eps, 1 - eps], and to logit(u); the t-interval of the mean logit is mapped back. The
    interval therefore never leaves [lower, upper]. For a difference in [-1, 1], logit(u) = 2 atanh(x):
    Fisher's z scale.
    """
    v = np.asarray(values, dtype=np.float64)
    raw = t_summary(v, confidence)
    if raw.n < 2:
        return raw
    width = upper - lower
    u = np.clip((v - lower) / width, eps, 1.0 - eps)
    z = t_summary(special.logit(u), confidence)
    lo, hi = (lower + width * float(special.expit(x)) for x in (z.ci_lo, z.ci_hi))
    return SeedSummary(raw.n, raw.mean, raw.sd, lo, hi)


@dataclass(frozen=True)
class PairedTTest:
    n: int
    delta: SeedSummary  # of the per-seed differences a - b
    t: float
    p_value: float  # two-sided; NaN for fewer than two pairs


def paired_ttest(a: ArrayLike, b: ArrayLike) -> PairedTTest:
    """Paired t-test of a vs b (matching seeds). Identical pairs give p = 1 rather than NaN."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    d = x - y
    summary = t_summary(d)
    if d.size < 2:
        return PairedTTest(int(d.size), summary, math.nan, math.nan)
    if np.all(d == d[0]):
        if d[0] == 0.0:
            return PairedTTest(int(d.size), summary, 0.0, 1.0)
        return PairedTTest(int(d.size), summary, math.copysign(math.inf, d[0]), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_rel(x, y)
    return PairedTTest(int(d.size), summary, float(res.statistic), float(res.pvalue))


def holm(p_values: ArrayLike) -> NDArray[np.float64]:
    """Holm's step-down adjusted p-values; NaN entries are left out of the family and stay NaN.

    Sorted ascending, p_(i) (i = 1..m) becomes max_{j<=i} min(1, (m - j + 1) p_(j)).
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    mask = ~np.isnan(p)
    pv = p[mask]
    m = pv.size
    if m == 0:
        return out
    order = np.argsort(pv, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * pv[order]))
    result = np.empty(m)
    result[order] = adjusted
    out[mask] = result
    return out

"""The primary interval for Δ (variant − baseline over matching seeds), with both sources of uncertainty.

Per matching seed k, d_k = metric(variant_k) − metric(baseline_k) on the one test set. Its seed mean
d̄ estimates the expected Δ of the two *recipes* on the test set's *population*. d_k varies for two
reasons: training seeds (population-level Δ differs from seed to seed, variance σ²) and test-set
sampling, which has a part shared by all seeds (c, variance τ_c²: the same test set for all) and a
part specific to each seed's pair of models (w_k, variance τ_w²). Then

    Var(d̄) = σ²/K + τ_c² + τ_w²/K.

* ``var_avg`` = the test-set variance of d̄ itself (DeLong's structural components of the seed-averaged
  Δ for AUC; the stratified bootstrap variance of the seed-averaged Δ for AUPRC) estimates τ_c² + τ_w²/K.
* ``var_single`` = the mean over seeds of the test-set variance of one d_k estimates τ_c² + τ_w², so
  τ_w² = (var_single − var_avg) · K / (K − 1).
* The sample variance s² of the d_k (between seeds, same test set: c cancels) estimates σ² + τ_w².

So Var(d̄) ≈ var_avg + max(0, s² − τ_w²) / K: the test-set variance of the seed-averaged Δ plus the
seed variance *beyond* test noise (adding s²/K instead would count τ_w²/K twice). The interval is a
t-interval with Welch–Satterthwaite degrees of freedom (s² carries K − 1 of them, the test-set
variances are taken as known): about K − 1 when the seed part dominates, normal when the test part does.
docs/statistics.md shows its coverage by simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .delong import structural_components

CONFIDENCE = 0.95


@dataclass(frozen=True)
class DeltaInterval:
    k: int
    delta: float  # mean of the per-seed differences
    se: float  # sqrt(var_seed + var_test)
    df: float  # Welch–Satterthwaite; inf when the seeds agree exactly
    lo: float
    hi: float
    p_value: float  # two-sided, H0: expected Δ = 0
    var_seed: float  # seed variance beyond test noise, divided by K
    var_test: float  # test-set variance of the seed-averaged Δ
    tau_common: float  # test-set variance shared by all seeds (τ_c²): what more seeds cannot remove
    per_seed_var: float  # σ² + τ_w²: what one more seed adds, before dividing by K
    clipped: bool  # the interval reached past [-1, 1] and was cut there


def _two_part_variances(d10: np.ndarray, d01: np.ndarray) -> tuple[float, float]:
    m, n = d10.shape[1], d01.shape[1]
    avg = float(d10.mean(axis=0).var(ddof=1) / m + d01.mean(axis=0).var(ddof=1) / n)
    single = float(np.mean(d10.var(axis=1, ddof=1) / m + d01.var(axis=1, ddof=1) / n))
    return avg, single


def sampling_variances_boot(resampled_variant: ArrayLike, resampled_base: ArrayLike) -> tuple[float, float]:
    """Paired bootstrap variances of the seed-averaged Δ and (mean over seeds) of one seed's Δ.

    ``resampled_*``: K x B, a metric of seed k's model on each of the B shared test resamples."""
    d = np.asarray(resampled_variant, dtype=np.float64) - np.asarray(resampled_base, dtype=np.float64)
    return float(d.mean(axis=0).var(ddof=1)), float(d.var(axis=1, ddof=1).mean())


def delta_interval(
    deltas: ArrayLike, var_avg: float, var_single: float, confidence: float = CONFIDENCE
) -> DeltaInterval:
    """The combined interval and test for the seed mean of ``deltas`` (module docstring)."""
    d = np.asarray(deltas, dtype=np.float64)
    k = int(d.size)
    mean = float(d.mean()) if k else math.nan
    if k < 2:
        nan = math.nan
        return DeltaInterval(k, mean, nan, nan, nan, nan, nan, nan, var_avg, nan, nan, False)
    tau_w = max(0.0, var_single - var_avg) * k / (k - 1)
    s2 = float(d.var(ddof=1))
    seed_part = max(0.0, s2 - tau_w) / k
    var = var_avg + seed_part
    # Welch–Satterthwaite for var_avg + s²/K − τ_w²/K: only s² is estimated from few (K − 1) df.
    df = math.inf if s2 <= 0.0 else var**2 / ((s2 / k) ** 2 / (k - 1))
    tau_common = max(0.0, var_avg - tau_w / k)
    per_seed = max(s2, tau_w)
    se = math.sqrt(var)
    if se <= 1e-300:
        return DeltaInterval(k, mean, 0.0, df, mean, mean, 1.0 if mean == 0 else 0.0, 0.0, 0.0, 0.0, per_seed, False)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    lo, hi = mean - half, mean + half
    clipped = lo < -1.0 or hi > 1.0
    p = float(2.0 * stats.t.sf(abs(mean) / se, df))
    return DeltaInterval(
        k, mean, se, df, max(lo, -1.0), min(hi, 1.0), p, seed_part, var_avg, tau_common, per_seed, clipped
    )


def seed_delta_auc(labels: ArrayLike, probs_variant: ArrayLike, probs_base: ArrayLike) -> DeltaInterval:
    """The primary ΔAUC interval from the matched seeds' test scores (K x n each, same seed order)."""
    aucs_v, v10_v, v01_v = structural_components(labels, probs_variant)
    aucs_b, v10_b, v01_b = structural_components(labels, probs_base)
    var_avg, var_single = _two_part_variances(v10_v - v10_b, v01_v - v01_b)
    return delta_interval(aucs_v - aucs_b, var_avg, var_single)

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

So Var(d̄) ≈ τ̂_c² + s²/K with τ̂_c² = max(0, var_avg − τ_w²/K) (adding s²/K to var_avg instead would
count τ_w²/K twice). The interval is a t-interval with Satterthwaite degrees of freedom (s² carries K − 1 of
them, τ̂_c² is taken as known), the per-seed variance taken at its floor max(s², τ̂_w²) so that a chance-low
s² cannot raise them: K − 1 when the seeds carry it all, normal when the test part does, never below K − 1.
docs/statistics.md shows its coverage and its far tail at 3 seeds by simulation.
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
    df: float  # Satterthwaite, ≥ K − 1; inf when the seeds agree exactly
    lo: float
    hi: float
    p_value: float  # two-sided, H0: expected Δ = 0
    var_seed: float  # seed variance beyond test noise, divided by K
    var_test: float  # test-set variance of the seed-averaged Δ
    tau_common: float  # test-set variance shared by all seeds (τ_c²): what more seeds cannot remove
    per_seed_var: float  # σ² + τ_w²: what one more seed adds, before dividing by K
    clipped: bool  # the interval reached past [-1, 1] and was cut there
    per_seed_df: float = math.nan  # df of per_seed_var: K − 1 on one split, F·(K − 1) out of fold


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
    # τ̂_c² (what more seeds cannot remove) rests on hundreds of examples and is taken as known; what one
    # seed adds, σ² + τ_w², is estimated by s² alone, unbiased, with K − 1 df (no clipping: a small s² is
    # then a chance low, which the t quantile at K − 1 df already allows for). Var = τ̂_c² + s²/K. Its
    # Satterthwaite df takes the per-seed variance at its floor max(s², τ̂_w²), so a chance-low s² cannot
    # raise the df; the df lies in [K − 1, ∞): K − 1 when the seeds carry all of it, as the paired t-test.
    tau_common = max(0.0, var_avg - tau_w / k)
    per_seed = max(s2, tau_w)
    df = math.inf if per_seed <= 0.0 else (k - 1) * (1.0 + tau_common / (per_seed / k)) ** 2
    parts = _Parts(tau_common, s2 / k, max(0.0, s2 - tau_w) / k, per_seed, df, k - 1)
    return _interval(k, mean, var_avg, parts, confidence)


@dataclass(frozen=True)
class _Parts:
    tau_common: float  # τ̂_c²
    seed_var: float  # the seeds' estimated share of Var(d̄)
    seed_beyond_test: float  # of which beyond test noise (reported as var_seed)
    per_seed: float  # σ² + τ_w² at its floor: what one seed adds before dividing by K
    df: float
    per_seed_df: float  # the df per_seed rests on


def _interval(k: int, mean: float, var_avg: float, parts: _Parts, confidence: float) -> DeltaInterval:
    var = parts.tau_common + parts.seed_var
    df = parts.df
    se = math.sqrt(var)
    if se <= 1e-300:
        return DeltaInterval(k, mean, 0.0, df, mean, mean, 1.0 if mean == 0 else 0.0, 0.0, 0.0, 0.0,
                             parts.per_seed, False, parts.per_seed_df)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    lo, hi = mean - half, mean + half
    clipped = lo < -1.0 or hi > 1.0
    p = float(2.0 * stats.t.sf(abs(mean) / se, df))
    return DeltaInterval(k, mean, se, df, max(lo, -1.0), min(hi, 1.0), p, parts.seed_beyond_test, var_avg,
                         parts.tau_common, parts.per_seed, clipped, parts.per_seed_df)


def seed_delta_auc(labels: ArrayLike, probs_variant: ArrayLike, probs_base: ArrayLike) -> DeltaInterval:
    """The primary ΔAUC interval from the matched seeds' test scores (K x n each, same seed order)."""
    aucs_v, v10_v, v01_v = structural_components(labels, probs_variant)
    aucs_b, v10_b, v01_b = structural_components(labels, probs_base)
    var_avg, var_single = _two_part_variances(v10_v - v10_b, v01_v - v01_b)
    return delta_interval(aucs_v - aucs_b, var_avg, var_single)


def fold_delta_auc(
    labels: ArrayLike, folds: ArrayLike, probs_variant: ArrayLike, probs_base: ArrayLike, confidence: float = CONFIDENCE
) -> DeltaInterval:
    """The primary ΔAUC interval from out-of-fold predictions (K x N each, same seed order; ``folds``: the
    test fold of each of the N examples, the same for every seed and both arms).

    Each seed's AUC is the fold-stratified AUC: the Mann–Whitney statistic over the positive–negative pairs
    *within* a fold, i.e. the fold AUCs weighted by their pair counts w_f. A fold's model only ranks its own
    fold's examples, so differing score scales between fold models cannot bias it. The folds' test examples
    are disjoint and every (seed, fold) model is trained on its own, so the decomposition of ``delta_interval``
    holds fold by fold and the parts add with the weights w_f²: the seed variance then rests on F·(K − 1) df
    (K seeds in each of F folds), not K − 1; the spread of the F fold means adds F − 1 more
    (``pooled_with_fold_means``; docs/statistics.md)."""
    y = np.asarray(labels)
    f = np.asarray(folds)
    pv = np.atleast_2d(np.asarray(probs_variant, dtype=np.float64))
    pb = np.atleast_2d(np.asarray(probs_base, dtype=np.float64))
    k = pv.shape[0]
    ids = np.unique(f)
    pairs = np.array([float((y[f == i] == 1).sum() * (y[f == i] == 0).sum()) for i in ids])
    weights = pairs / pairs.sum()
    deltas = np.zeros(k)
    fold_means = np.zeros(ids.size)
    var_avg = tau_c = seed_var = beyond = s2_sum = tau_w_sum = 0.0
    for j, (w, i) in enumerate(zip(weights, ids, strict=True)):
        sel = f == i
        aucs_v, v10_v, v01_v = structural_components(y[sel], pv[:, sel])
        aucs_b, v10_b, v01_b = structural_components(y[sel], pb[:, sel])
        avg, single = _two_part_variances(v10_v - v10_b, v01_v - v01_b)
        d = aucs_v - aucs_b
        deltas += w * d
        fold_means[j] = float(d.mean())
        var_avg += w**2 * avg
        if k < 2:
            continue
        tau_w = max(0.0, single - avg) * k / (k - 1)
        s2 = float(d.var(ddof=1))
        tau_c += w**2 * (avg - tau_w / k)
        seed_var += w**2 * s2 / k
        beyond += w**2 * max(0.0, s2 - tau_w) / k
        s2_sum += w**2 * s2
        tau_w_sum += w**2 * tau_w
    mean = float(deltas.mean())
    if k < 2:
        nan = math.nan
        return DeltaInterval(k, mean, nan, nan, nan, nan, nan, nan, var_avg, nan, nan, False)
    tau_c = max(0.0, tau_c)
    # the folds are exchangeable (one random stratified partition): one seed variance, pooled over the folds
    # with F·(K − 1) df, at its floor max(s̄², τ̄_w²) as in ``delta_interval``
    per_seed = max(s2_sum, tau_w_sum)
    df = math.inf if per_seed <= 0.0 else len(ids) * (k - 1) * (1.0 + tau_c / (per_seed / k)) ** 2
    var, df = pooled_with_fold_means(tau_c + seed_var, df, fold_means, weights)
    return _interval(k, mean, var_avg, _Parts(tau_c, var - tau_c, beyond, per_seed, df, len(ids) * (k - 1)), confidence)


def pooled_with_fold_means(
    var_within: float, df_within: float, fold_means: np.ndarray, weights: np.ndarray
) -> tuple[float, float]:
    """Var(d̄) pooled from two independent estimates, and its df (docs/statistics.md).

    ``var_within`` = τ̂_c² + Σ w_f² s_f²/K (DeLong's test-set part and the within-fold seed spread) on
    ``df_within`` df. The seed means of the F folds, d̄_f, are independent with one variance
    V₀ = τ_c,f² + (σ² + τ_w²)/K (exchangeable folds), so their weighted spread estimates Var(d̄) = Σ w_f² V₀
    directly, on F − 1 df: E Σ_f (d̄_f − d̄)² = V₀ (F − 2 + F Σ w_f²) for d̄ = Σ w_f d̄_f. Two unbiased
    estimates of one variance, each with relative variance 2/df, are pooled by their df (a one-way ANOVA's
    pooled mean square); the df add up. With one fold, or when the seeds agree exactly (df ∞), nothing
    changes."""
    n_folds = fold_means.size
    if n_folds < 2 or not math.isfinite(df_within):
        return var_within, df_within
    mean = float(weights @ fold_means)
    w2 = float(weights @ weights)
    var_between = w2 * float(((fold_means - mean) ** 2).sum()) / (n_folds - 2 + n_folds * w2)
    df_between = n_folds - 1
    df = df_within + df_between
    return (df_within * var_within + df_between * var_between) / df, df

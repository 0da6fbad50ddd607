"""One route across several strata (data sets, split kinds): a random-effects meta-analysis of its ΔAUC,
and a ranking of the variants across strata.

* Pooled Δ: DerSimonian–Laird τ² with the Hartung–Knapp(–Sidik–Jonkman) variance and t(k − 1) reference
  (statsmodels' ``combine_effects``, row "random effect wls"), the between-stratum heterogeneity τ² and I²,
  and the pooled verdict with the same margin and the same rules as a stratum's (Holm across routes).
* Ranking: per stratum, the variants ranked by seed-mean test AUC (1 = best); the Friedman test and the
  Nemenyi critical difference of the mean ranks (as autorank draws a critical-difference diagram;
  autorank itself needs at least five strata).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from .stat_tests import holm
from .verdict import ALPHA, BETTER, NOT_TESTABLE, VerdictInputs, ceiling_p, tost_p, verdict

POOLED_COLUMNS = ["route", "k_strata", "delta_auc", "delta_auc_se", "delta_auc_df", "delta_auc_lo", "delta_auc_hi",
                  "p_delta_auc", "p_tost_auc", "p_ceiling_auc", "tau2", "i2", "p_delta_auc_holm", "p_tost_auc_holm",
                  "verdict", "negligible"]


@dataclass(frozen=True)
class Pooled:
    k: int  # strata pooled
    delta: float
    se: float  # Hartung–Knapp
    df: float  # k − 1
    lo: float
    hi: float
    p_value: float
    tau2: float  # DerSimonian–Laird between-stratum variance
    i2: float  # share of the total variability due to heterogeneity


def pool_deltas(deltas: ArrayLike, variances: ArrayLike, confidence: float = 0.95) -> Pooled:
    """Random-effects pooled Δ (DerSimonian–Laird τ², Hartung–Knapp interval, t with k − 1 df)."""
    d = np.asarray(deltas, dtype=np.float64)
    v = np.asarray(variances, dtype=np.float64)
    k = int(d.size)
    if k < 2:
        nan = math.nan
        return Pooled(k, float(d[0]) if k else nan, nan, nan, nan, nan, nan, nan, nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = combine_effects(d, v, method_re="chi2", use_t=True)
    delta, se, df = float(res.mean_effect_re), float(res.sd_eff_w_re_hksj), float(k - 1)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    p = float(2.0 * stats.t.sf(abs(delta) / se, df)) if se > 0 else (1.0 if delta == 0 else 0.0)
    return Pooled(k, delta, se, df, delta - half, delta + half, p, float(res.tau2), float(res.i2))


def pooled_routes(per_stratum: pd.DataFrame, margin: float, alpha: float = ALPHA) -> pd.DataFrame:
    """Per route (rows of ``per_stratum`` with columns route, delta_auc, delta_auc_se), the pooled Δ over
    its strata, Holm across the routes, and the pooled verdict."""
    rows = []
    for route, group in per_stratum.groupby("route", sort=False):
        ok = group[np.isfinite(group["delta_auc_se"].astype(float)) & (group["verdict"] != NOT_TESTABLE)]
        pooled = pool_deltas(ok["delta_auc"].astype(float), ok["delta_auc_se"].astype(float) ** 2)
        rows.append({
            "route": route, "k_strata": pooled.k, "delta_auc": pooled.delta, "delta_auc_se": pooled.se,
            "delta_auc_df": pooled.df, "delta_auc_lo": pooled.lo, "delta_auc_hi": pooled.hi,
            "p_delta_auc": pooled.p_value, "p_tost_auc": tost_p(pooled.delta, pooled.se, pooled.df, margin),
            "p_ceiling_auc": ceiling_p(pooled.delta, pooled.se, pooled.df, margin), "tau2": pooled.tau2,
            "i2": pooled.i2,
        })
    out = pd.DataFrame(rows, columns=POOLED_COLUMNS[:12])
    out["p_delta_auc_holm"] = holm(out["p_delta_auc"].to_numpy(dtype=np.float64)) if len(out) else []
    out["p_tost_auc_holm"] = holm(out["p_tost_auc"].to_numpy(dtype=np.float64)) if len(out) else []
    out["verdict"] = [
        verdict(VerdictInputs(float(d), float(p), float(q)), alpha)
        for d, p, q in zip(out["delta_auc"], out["p_delta_auc_holm"], out["p_tost_auc_holm"], strict=True)
    ]
    out["negligible"] = [v == BETTER and float(p) < alpha for v, p in zip(out["verdict"], out["p_ceiling_auc"],
                                                                         strict=True)]
    return out[POOLED_COLUMNS]


@dataclass(frozen=True)
class Ranking:
    mean_ranks: pd.Series  # variant -> mean rank across strata (1 = best), ascending
    friedman_p: float  # NaN with fewer than 3 variants or 2 strata
    critical_difference: float  # Nemenyi CD at alpha: mean ranks further apart differ


def rank_variants(scores: pd.DataFrame, alpha: float = ALPHA) -> Ranking:
    """``scores``: one row per stratum, one column per variant (higher is better), no missing values."""
    table = scores.dropna(axis=0, how="any")
    n, k = table.shape
    ranks = table.rank(axis=1, ascending=False, method="average")
    mean_ranks = ranks.mean(axis=0).sort_values()
    if n < 2 or k < 3:
        return Ranking(mean_ranks, math.nan, math.nan)
    friedman = stats.friedmanchisquare(*(table[c].to_numpy() for c in table.columns))
    q = float(stats.studentized_range.ppf(1.0 - alpha, k, np.inf)) / math.sqrt(2.0)
    cd = q * math.sqrt(k * (k + 1) / (6.0 * n))
    return Ranking(mean_ranks, float(friedman.pvalue), cd)

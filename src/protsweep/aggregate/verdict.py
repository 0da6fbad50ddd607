"""A route's verdict from the primary ΔAUC interval: better / worse / equivalent (TOST) / undecided,
and for undecided routes the power arithmetic: the minimum detectable Δ, the seeds that would detect
the margin.

Holm's adjustment is applied across the routes of a family (a sweep's variants, or every route of a
report) to the primary p-values and to the TOST p-values alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .columns import HOLM_P_COLUMNS
from .stat_tests import holm
from .uncertainty import DeltaInterval

ALPHA = 0.05
POWER = 0.8
# An AUC difference smaller than this is taken as practically nil (docs/statistics.md: why 0.01).
DEFAULT_MARGIN_AUC = 0.01
MAX_SEEDS = 1000
# "seeds needed" is shown with the range it would take at the ends of this interval of the seed variance.
SEEDS_RANGE_LEVEL = 0.8
TEST_SET_LIMITED = "the test set (its shared sampling variance alone hides the margin; a larger test set would help)"
SEEDS_LIMITED = "the seed variance"

BETTER = "better"
WORSE = "worse"
EQUIVALENT = "equivalent"
UNDECIDED = "undecided"
NOT_TESTABLE = "not testable"
VERDICTS = (BETTER, WORSE, EQUIVALENT, UNDECIDED, NOT_TESTABLE)


def tost_p(delta: float, se: float, df: float, margin: float) -> float:
    """Two one-sided tests of |Δ| ≥ margin: the larger of the two one-sided p-values.

    Equivalence at level α ⇔ the (1 − 2α) interval lies inside ±margin."""
    if any(math.isnan(v) for v in (delta, se, df)):
        return math.nan
    if se <= 0.0:
        return 0.0 if abs(delta) < margin else 1.0
    p_low = 1.0 - float(stats.t.cdf((delta + margin) / se, df))  # H0: Δ ≤ −margin
    p_high = float(stats.t.cdf((delta - margin) / se, df))  # H0: Δ ≥ +margin
    return max(p_low, p_high)


def min_detectable_delta(se: float, df: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """The smallest true |Δ| a two-sided test at ``alpha`` detects with probability ``power``."""
    if math.isnan(se) or math.isnan(df):
        return math.nan
    return float(stats.t.ppf(1.0 - alpha / 2.0, df) + stats.t.ppf(power, df)) * se


def _seeds_for(tau_common: float, per_seed: float, margin: float, alpha: float, power: float) -> float:
    """The smallest K' (2..MAX_SEEDS) with (t₁₋α/₂ + t_power)·√Var ≤ margin, Var = τ_c² + per_seed/K'."""
    if math.isnan(tau_common) or math.isnan(per_seed):
        return math.nan
    k = np.arange(2, MAX_SEEDS + 1, dtype=np.float64)
    seed_part = per_seed / k
    var = tau_common + seed_part
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(seed_part > 0, var**2 / (seed_part**2 / (k - 1)), np.inf)
    q = stats.t.ppf(1.0 - alpha / 2.0, df) + stats.t.ppf(power, df)
    ok = q * np.sqrt(var) <= margin
    return float(k[np.argmax(ok)]) if ok.any() else math.inf


def seeds_needed(iv: DeltaInterval, margin: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """Seeds (per arm, matched) at which a true Δ of ``margin`` would be detected with ``power``, from
    the observed variances: Var(d̄) at K' seeds = τ_c² + (σ² + τ_w²) / K'. Inf when more than MAX_SEEDS
    would be needed (``infinite_seeds_reason`` says whether the test set or the seeds are to blame);
    NaN when not estimable."""
    return _seeds_for(iv.tau_common, iv.per_seed_var, margin, alpha, power)


def seeds_needed_range(
    iv: DeltaInterval, margin: float, alpha: float = ALPHA, power: float = POWER, level: float = SEEDS_RANGE_LEVEL
) -> tuple[float, float]:
    """The seeds needed at the ends of the ``level`` (80%) chi-square interval of the per-seed variance,
    which rests on K − 1 df (F·(K − 1) out of fold): how far "seeds needed" could swing with another set of
    K seeds."""
    if iv.k < 2 or math.isnan(iv.per_seed_var):
        return math.nan, math.nan
    df = iv.per_seed_df if math.isfinite(iv.per_seed_df) else iv.k - 1
    low_var = iv.per_seed_var * df / float(stats.chi2.ppf(0.5 + level / 2.0, df))
    high_var = iv.per_seed_var * df / float(stats.chi2.ppf(0.5 - level / 2.0, df))
    return (
        _seeds_for(iv.tau_common, low_var, margin, alpha, power),
        _seeds_for(iv.tau_common, high_var, margin, alpha, power),
    )


def infinite_seeds_reason(tau_common: float, margin: float, alpha: float = ALPHA, power: float = POWER) -> str:
    """Why no affordable number of seeds detects the margin: the test set when its shared variance τ̂_c²
    alone hides the margin (even infinitely many seeds leave it), else the seed variance (more than the cap)."""
    q = float(stats.norm.ppf(1.0 - alpha / 2.0) + stats.norm.ppf(power))
    if not math.isnan(tau_common) and q * math.sqrt(max(tau_common, 0.0)) >= margin:
        return TEST_SET_LIMITED
    return f"{SEEDS_LIMITED} (more than {MAX_SEEDS})"


def ceiling_p(delta: float, se: float, df: float, margin: float) -> float:
    """One-sided p of H₀: Δ ≥ +margin (the route improves on the baseline by the margin or more).

    Rejected (p < α) ⇔ the upper limit of the (1 − 2α) interval lies below +margin. Worse, equivalent and
    negligibly better routes all reject it; the ceiling sentence needs every route to (an intersection–union
    test: no multiplicity correction)."""
    if any(math.isnan(v) for v in (delta, se, df)):
        return math.nan
    if se <= 0.0:
        return 0.0 if delta < margin else 1.0
    return float(stats.t.cdf((delta - margin) / se, df))


@dataclass(frozen=True)
class VerdictInputs:
    delta: float
    p_holm: float
    p_tost_holm: float


def verdict(v: VerdictInputs, alpha: float = ALPHA) -> str:
    """better / worse: Holm-adjusted p < α (the interval then lies above / below 0); equivalent: the
    Holm-adjusted TOST p < α (the interval lies inside ±margin); else undecided."""
    if math.isnan(v.p_holm):
        return NOT_TESTABLE
    if v.p_holm < alpha:
        return BETTER if v.delta > 0 else WORSE
    if not math.isnan(v.p_tost_holm) and v.p_tost_holm < alpha:
        return EQUIVALENT
    return UNDECIDED


def assign_verdicts(frame: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Holm across the rows of ``frame`` (once per test in HOLM_P_COLUMNS), each row's verdict, and whether
    a better route is better by a negligible amount only (the one-sided test rules out a gain of the margin)."""
    out = frame.copy()
    for col in HOLM_P_COLUMNS:
        out[f"{col}_holm"] = holm(out[col].to_numpy(dtype=np.float64)) if len(out) else []
    out["verdict"] = [
        verdict(VerdictInputs(float(d), float(p), float(q)), alpha)
        for d, p, q in zip(out["delta_auc"], out["p_delta_auc_holm"], out["p_tost_auc_holm"], strict=True)
    ]
    out["negligible"] = [
        v == BETTER and float(p) < alpha for v, p in zip(out["verdict"], out["p_ceiling_auc"], strict=True)
    ]
    return out

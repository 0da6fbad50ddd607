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


def seeds_needed(iv: DeltaInterval, margin: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """Seeds (per arm, matched) at which a true Δ of ``margin`` would be detected with ``power``, from
    the observed variances: Var(d̄) at K' seeds = τ_c² + (σ² + τ_w²) / K'. Inf when the test set's own
    shared variance τ_c² alone already hides the margin (more seeds cannot help; a larger test set can);
    NaN when not estimable."""
    if math.isnan(iv.tau_common) or math.isnan(iv.per_seed_var):
        return math.nan
    k = np.arange(2, MAX_SEEDS + 1, dtype=np.float64)
    seed_part = iv.per_seed_var / k
    var = iv.tau_common + seed_part
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(seed_part > 0, var**2 / (seed_part**2 / (k - 1)), np.inf)
    q = stats.t.ppf(1.0 - alpha / 2.0, df) + stats.t.ppf(power, df)
    ok = q * np.sqrt(var) <= margin
    return float(k[np.argmax(ok)]) if ok.any() else math.inf


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
    """Holm across the rows of ``frame`` (once per test in HOLM_P_COLUMNS) and each row's verdict."""
    out = frame.copy()
    for col in HOLM_P_COLUMNS:
        out[f"{col}_holm"] = holm(out[col].to_numpy(dtype=np.float64)) if len(out) else []
    out["verdict"] = [
        verdict(VerdictInputs(float(d), float(p), float(q)), alpha)
        for d, p, q in zip(out["delta_auc"], out["p_delta_auc_holm"], out["p_tost_auc_holm"], strict=True)
    ]
    return out

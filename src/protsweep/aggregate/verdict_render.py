"""The verdict table of a sweep: ΔAUC with its primary interval, the verdict, and the power arithmetic."""

from __future__ import annotations

import math

import pandas as pd

from .formatting import MISSING, fmt_delta_ci, fmt_mdd, fmt_p, fmt_seeds_needed
from .result import Results
from .verdict import BETTER, MAX_SEEDS, TEST_SET_LIMITED, UNDECIDED, infinite_seeds_reason


def _seeds(x: float, lo: float, hi: float, var_shared: float, margin: float, alpha: float) -> str:
    """Seeds for ±margin with their 80% range; when none would do, the component that needs more."""
    if math.isnan(x):
        return MISSING
    if math.isinf(x):
        return "∞ (test set too small)" if infinite_seeds_reason(var_shared, margin, alpha) == TEST_SET_LIMITED \
            else f"> {MAX_SEEDS} (seed variance)"
    return fmt_seeds_needed(x, lo, hi)


def verdict_word(verdict: str, negligible: object) -> str:
    """The verdict as shown: a better route that rules out a gain of the margin is "better (negligible)"."""
    return f"{verdict} (negligible)" if verdict == BETTER and bool(negligible) else verdict


def verdict_display(results: Results) -> pd.DataFrame:
    """The verdict table: per variant, ΔAUC with its primary interval, the verdict and what it rests on."""
    c = results.comparisons
    return pd.DataFrame(
        {
            "variant": c["variant"],
            "K": [str(int(k)) for k in c["k"]],
            "ΔAUC [95% CI, seeds + test]": [
                fmt_delta_ci(d, lo, hi)
                for d, lo, hi in zip(c["delta_auc"], c["delta_auc_lo"], c["delta_auc_hi"], strict=True)
            ],
            "p (Holm)": [fmt_p(p) for p in c["p_delta_auc_holm"]],
            "p TOST ±margin (Holm)": [fmt_p(p) for p in c["p_tost_auc_holm"]],
            "verdict": [verdict_word(v, n) for v, n in zip(c["verdict"], c["negligible"], strict=True)],
            # the power arithmetic is what an undecided route needs; elsewhere it is noise
            "min. detectable Δ": [
                fmt_mdd(x) if v == UNDECIDED else "" for x, v in zip(c["mdd_auc"], c["verdict"], strict=True)
            ],
            "seeds for ±margin": [
                _seeds(x, lo, hi, t, results.margin_auc, results.alpha) if v == UNDECIDED else ""
                for x, lo, hi, t, v in zip(
                    c["seeds_needed_auc"], c["seeds_needed_auc_lo"], c["seeds_needed_auc_hi"], c["var_shared_auc"],
                    c["verdict"], strict=True,
                )
            ],
        }
    )


def verdict_caption(results: Results) -> str:
    return (
        f"Verdict vs {results.baseline} (±{results.margin_auc:g} AUC margin, Holm across {len(results.comparisons)} "
        f"variant(s), α = {results.alpha}; best = highest seed-mean {results.best_basis}; {results.verdict_basis}):"
    )

"""The verdict table of a sweep: ΔAUC with its primary interval, the verdict, and the power arithmetic."""

from __future__ import annotations

import math

import pandas as pd

from .formatting import MISSING, fmt_delta_ci, fmt_mdd, fmt_p
from .result import Results
from .verdict import UNDECIDED


def _seeds(x: float) -> str:
    return MISSING if math.isnan(x) else "∞ (test set too small)" if math.isinf(x) else str(int(x))


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
            "verdict": c["verdict"],
            # the power arithmetic is what an undecided route needs; elsewhere it is noise
            "min. detectable Δ": [
                fmt_mdd(x) if v == UNDECIDED else "" for x, v in zip(c["mdd_auc"], c["verdict"], strict=True)
            ],
            "seeds for ±margin": [
                _seeds(x) if v == UNDECIDED else "" for x, v in zip(c["seeds_needed_auc"], c["verdict"], strict=True)
            ],
        }
    )


def verdict_caption(results: Results) -> str:
    return (
        f"Verdict vs {results.baseline} (±{results.margin_auc:g} AUC margin, Holm across {len(results.comparisons)} "
        f"variant(s), α = {results.alpha}; best = highest seed-mean {results.best_basis}):"
    )

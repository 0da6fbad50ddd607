"""The per-variant summary: seed statistics, seed ensembles, the best variant, the comparison columns.

The best variant is chosen on the seed-mean *validation* AUC (the test set must not choose what it then
judges); only when no run recorded a validation AUC does the test AUC decide, and ``best_basis`` says so."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .columns import METRICS, SUMMARY_COLUMNS, SUMMARY_COMPARISON_COLUMNS
from .comparisons import PerSeed
from .ensembles import EnsembleCache, ensemble_row
from .metrics import auc_auprc, auc_edge_eps
from .records import LoadedRun
from .selection import Chosen
from .stat_tests import bounded_t_summary
from .variant import Variant

# label -> (labels, ensemble probabilities over all the variant's seeds), for ROC/PR curves
Curves = dict[str, tuple[NDArray[np.int8], NDArray[np.float64]]]
VALID_BASIS = "validation AUC"
TEST_BASIS = "test AUC (no validation AUC recorded)"


def valid_auc(rec: LoadedRun) -> float:
    """The run's validation AUC from its predictions (raw scores), else from metrics.json, else NaN."""
    if rec.valid is not None and 0 < rec.valid.n_pos < rec.valid.n:
        return auc_auprc(rec.valid.probs, rec.valid.labels)[0]
    value = ((rec.metrics or {}).get("valid") or {}).get("auc")
    return float(value) if isinstance(value, int | float) else math.nan


def best_basis(summary: pd.DataFrame) -> str:
    return VALID_BASIS if summary["valid_auc_mean"].notna().any() else TEST_BASIS


def mark_best(summary: pd.DataFrame) -> None:
    """``best``: the highest seed-mean validation AUC (test AUC only when no validation AUC exists)."""
    col = "valid_auc_mean" if best_basis(summary) == VALID_BASIS else "auc_mean"
    if summary[col].notna().any():
        summary.loc[summary[col].idxmax(), "best"] = True


def summary_frame(
    variants: list[Variant],
    chosen: Chosen,
    per_seed: PerSeed,
    n_expected: dict[str, int],
    ensembles: EnsembleCache,
    comparisons: pd.DataFrame,
) -> tuple[pd.DataFrame, Curves]:
    """One row per variant (baseline first as ``variants`` is sorted) and each ensemble's curve data."""
    rows: list[dict[str, Any]] = []
    curves: Curves = {}
    eps = auc_edge_eps(ensembles.boot.labels)
    for v in variants:
        picked = chosen.get(v.key, {})
        seeds = tuple(sorted(picked))
        row: dict[str, Any] = {
            "variant": v.label,
            "baseline": v.is_baseline,
            "best": False,
            "n_seeds": len(seeds),
            "n_expected": n_expected[v.label],
            "n_degenerate": sum(picked[s].degenerate for s in seeds),
        }
        for m in METRICS:
            s = bounded_t_summary([per_seed[v.key][sd][m] for sd in seeds], 0.0, 1.0, eps=eps)
            row |= {f"{m}_mean": s.mean, f"{m}_sd": s.sd, f"{m}_ci_lo": s.ci_lo, f"{m}_ci_hi": s.ci_hi}
        valid = [valid_auc(picked[sd]) for sd in seeds]
        row["valid_auc_mean"] = float(np.nanmean(valid)) if any(not math.isnan(x) for x in valid) else math.nan
        ens = ensembles.get(v, seeds) if seeds else None
        if ens is not None:
            curves[v.label] = (ensembles.boot.labels, ens.probs)
        row |= ensemble_row(ens, {m: row[f"{m}_mean"] for m in METRICS})
        rows.append(row)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    mark_best(summary)
    if comparisons.empty:
        for col in SUMMARY_COMPARISON_COLUMNS:
            summary[col] = math.nan
    else:
        summary = summary.join(comparisons.set_index("variant")[SUMMARY_COMPARISON_COLUMNS], on="variant")
    return summary, curves

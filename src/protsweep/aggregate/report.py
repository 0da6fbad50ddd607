"""Conclusion report across several sweeps: per route Δ vs baseline, Holm, a verdict, the best configuration.

Each directory given is aggregated on its own (with its own baseline); the routes of all of them form
one family for Holm's adjustment. The verdict rests on the primary interval of the seed-mean ΔAUC, which
carries both the seed and the test-set variance, and on TOST at the margin (docs/statistics.md); the
paired t-test over seeds and the ensemble DeLong test are reported alongside.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .api import aggregate
from .bootstrap import DEFAULT_N_BOOT
from .columns import METRICS, delta_columns, ensemble_delta_columns, primary_delta_columns, verdict_columns
from .errors import AggregateError
from .result import Results
from .splits import DEFAULT_MIN_CLASS_COUNT
from .summary import VALID_BASIS
from .verdict import ALPHA, DEFAULT_MARGIN_AUC, assign_verdicts

_ROUTE_STATS = [
    *(c for m in METRICS for c in primary_delta_columns(m)),
    *(c for c in verdict_columns() if c != "verdict"),
    *(c for m in METRICS for c in delta_columns(m) if not c.startswith("t_")),
    *(c for m in METRICS for c in ensemble_delta_columns(m) if c.startswith(("ens_delta", "p_"))),
]
ROUTE_COLUMNS = ["route", "sweep", "variant", "baseline", "k", "verdict", *_ROUTE_STATS, "note", "provenance"]


@dataclass
class Report:
    routes: pd.DataFrame  # one row per route (ROUTE_COLUMNS), Holm across all of them
    sweeps: list[tuple[str, Results]]
    failed: list[tuple[str, str]]  # (dir, one-line reason) for directories that could not be aggregated
    best: dict[str, Any] | None  # the summary row of the best variant overall, with its sweep's name
    alpha: float
    reference: dict[str, Any] | None
    margin_auc: float = DEFAULT_MARGIN_AUC


def build_report(
    dirs: Sequence[str | os.PathLike[str]],
    baseline: Sequence[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    alpha: float = ALPHA,
    show_reference: bool = True,
    ignore_keys: Sequence[str] = (),
    min_class_count: int = DEFAULT_MIN_CLASS_COUNT,
    exclude_degenerate: bool = False,
    margin_auc: float = DEFAULT_MARGIN_AUC,
) -> Report:
    """Aggregate each directory separately and combine the comparisons into one conclusion."""
    sweeps: list[tuple[str, Results]] = []
    failed: list[tuple[str, str]] = []
    for d in dirs:
        try:
            res = aggregate(
                [d],
                baseline=baseline,
                n_boot=n_boot,
                seed=seed,
                ignore_keys=ignore_keys,
                min_class_count=min_class_count,
                exclude_degenerate=exclude_degenerate,
                margin_auc=margin_auc,
                alpha=alpha,
            )
        except AggregateError as exc:
            failed.append((str(d), str(exc)))
            continue
        sweeps.append((res.name, res))
    if not sweeps:
        raise AggregateError("nothing to report: " + "; ".join(f"{d}: {why}" for d, why in failed))
    sweeps = _unique_names(sweeps)
    reference = next((r.reference for _, r in sweeps if r.reference), None) if show_reference else None
    return Report(route_frame(sweeps, alpha), sweeps, failed, _best(sweeps), alpha, reference, margin_auc)


def route_frame(sweeps: list[tuple[str, Results]], alpha: float) -> pd.DataFrame:
    rows = [
        {col: c.get(col, math.nan) for col in ROUTE_COLUMNS}
        | {"route": f"{name}: {c['variant']}", "sweep": name, "provenance": _provenance(res)}
        for name, res in sweeps
        for _, c in res.comparisons.iterrows()
    ]
    return assign_verdicts(pd.DataFrame(rows, columns=ROUTE_COLUMNS), alpha)


def _provenance(res: Results) -> str:
    return res.provenance.line() if res.provenance is not None else ""


def _unique_names(sweeps: list[tuple[str, Results]]) -> list[tuple[str, Results]]:
    """Sweeps of the same name are told apart by their folder, then by position."""
    names = [n for n, _ in sweeps]
    named = [(n if names.count(n) == 1 else f"{n} ({Path(r.dirs[0]).name})", r) for n, r in sweeps]
    names = [n for n, _ in named]
    return [(n if names.count(n) == 1 else f"{n} #{i + 1}", r) for i, (n, r) in enumerate(named)]


def _best(sweeps: list[tuple[str, Results]]) -> dict[str, Any] | None:
    """The variant with the highest seed-mean validation AUC over all sweeps (``basis`` says on what);
    the test AUC decides only when no sweep recorded a validation AUC."""
    on_valid = any(res.best_basis == VALID_BASIS for _, res in sweeps)
    col = "valid_auc_mean" if on_valid else "auc_mean"
    best: dict[str, Any] | None = None
    for name, res in sweeps:
        for _, r in res.summary.iterrows():
            if math.isnan(r[col]):
                continue
            key = (r[col], r["auc_mean"] if not math.isnan(r["auc_mean"]) else -1.0)
            if best is None or key > best["_key"]:
                basis = res.best_basis if on_valid else sweeps[0][1].best_basis
                best = {"_key": key, "sweep": name, "basis": basis, **r.to_dict()}
    return best

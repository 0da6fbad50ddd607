"""Conclusion report across several sweeps: per route Δ vs baseline, Holm, a verdict, the best configuration.

Each directory given is aggregated on its own (with its own baseline); the routes of all of them form
one family for Holm's adjustment. The verdict rests on the primary interval of the seed-mean ΔAUC, which
carries both the seed and the test-set variance, and on TOST at the margin (docs/statistics.md); the
paired t-test over seeds and the ensemble DeLong test are reported alongside.
"""

from __future__ import annotations

import contextlib
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
from .expected import read_yaml
from .meta import Ranking, pooled_routes, rank_variants
from .records import HYDRA_DIR, discover_run_dirs
from .result import Results
from .splits import DEFAULT_MIN_CLASS_COUNT
from .strata import strata_of, stratum_labels
from .summary import VALID_BASIS
from .verdict import ALPHA, DEFAULT_MARGIN_AUC, assign_verdicts

_ROUTE_STATS = [
    *(c for m in METRICS for c in primary_delta_columns(m)),
    *(c for c in verdict_columns() if c != "verdict"),
    *(c for m in METRICS for c in delta_columns(m) if not c.startswith("t_")),
    *(c for m in METRICS for c in ensemble_delta_columns(m) if c.startswith(("ens_delta", "p_"))),
]
ROUTE_COLUMNS = [
    "route", "sweep", "variant", "baseline", "k", "verdict", *_ROUTE_STATS, "note", "provenance", "stratum",
    "pooled_route",
]


@dataclass
class Report:
    routes: pd.DataFrame  # one row per route (ROUTE_COLUMNS), Holm across all of them
    sweeps: list[tuple[str, Results]]
    failed: list[tuple[str, str]]  # (dir, one-line reason) for directories that could not be aggregated
    best: dict[str, Any] | None  # the summary row of the best variant overall, with its sweep's name
    alpha: float
    reference: dict[str, Any] | None
    margin_auc: float = DEFAULT_MARGIN_AUC
    pooled: pd.DataFrame | None = None  # per route across strata (meta.POOLED_COLUMNS); None with one stratum
    ranking: Ranking | None = None  # the variants ranked across strata


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
    strata: dict[int, str] = {}  # id(Results) -> stratum label, when a directory spans several
    for d, stratum, label in dir_strata(dirs):
        try:
            res = aggregate(
                [d],
                stratum=stratum,
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
        if label:
            strata[id(res)] = label
    if not sweeps:
        raise AggregateError("nothing to report: " + "; ".join(f"{d}: {why}" for d, why in failed))
    base_names = {id(r): n for n, r in sweeps}
    sweeps = _unique_names([(f"{n} [{strata[id(r)]}]" if id(r) in strata else n, r) for n, r in sweeps])
    reference = next((r.reference for _, r in sweeps if r.reference), None) if show_reference else None
    routes = route_frame(sweeps, alpha, {n: (base_names[id(r)], strata.get(id(r), "")) for n, r in sweeps})
    rep = Report(routes, sweeps, failed, _best(sweeps), alpha, reference, margin_auc)
    if strata:
        rep.pooled = pooled_routes(routes[routes["stratum"] != ""].rename(columns={"route": "stratum_route",
                                                                                  "pooled_route": "route"}),
                                   margin_auc, alpha)
        rep.ranking = rank_variants(_scores_by_stratum(sweeps, strata))
    return rep


def dir_strata(dirs: Sequence[str | os.PathLike[str]]) -> list[tuple[str | os.PathLike[str], dict | None, str]]:
    """Each directory once per stratum (data set, split kind) its runs span; one stratum: as given."""
    out: list[tuple[str | os.PathLike[str], dict | None, str]] = []
    for d in dirs:
        configs = []
        run_dirs: list[Path] = []
        with contextlib.suppress(AggregateError):  # no runs: the aggregator says so for this directory
            run_dirs = discover_run_dirs([d])
        for run in run_dirs:
            with contextlib.suppress(Exception):  # an unreadable config: the aggregator reports that run
                configs.append(read_yaml(run / HYDRA_DIR / "config.yaml"))
        found = strata_of(configs)
        if len(found) < 2:
            out.append((d, None, ""))
            continue
        out += [(d, s, label) for s, label in zip(found, stratum_labels(found), strict=True)]
    return out


def _scores_by_stratum(sweeps: list[tuple[str, Results]], strata: dict[int, str]) -> pd.DataFrame:
    rows = {}
    for name, res in sweeps:
        if id(res) in strata:
            rows[name] = dict(zip(res.summary["variant"], res.summary["auc_mean"], strict=True))
    return pd.DataFrame.from_dict(rows, orient="index")


def route_frame(
    sweeps: list[tuple[str, Results]], alpha: float, origin: dict[str, tuple[str, str]] | None = None
) -> pd.DataFrame:
    """One row per route (Holm across all); ``origin``: sweep name -> (its name without the stratum, the
    stratum label), so that the same route in several strata can be pooled."""
    origin = origin or {}
    rows = [
        {col: c.get(col, math.nan) for col in ROUTE_COLUMNS}
        | {"route": f"{name}: {c['variant']}", "sweep": name, "provenance": _provenance(res),
           "stratum": origin.get(name, (name, ""))[1],
           "pooled_route": f"{origin.get(name, (name, ''))[0]}: {c['variant']}"}
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

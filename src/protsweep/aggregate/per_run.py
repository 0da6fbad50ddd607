"""Per-run rows (test metrics with bootstrap intervals, run facts) and per-variant coverage of seeds."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .bootstrap import StratifiedBootstrap, percentile_ci
from .columns import COVERAGE_COLUMNS, METRICS, PER_RUN_COLUMNS, interval
from .comparisons import PerSeed, seed_list
from .configkeys import overrides_dict
from .metrics import auc_auprc
from .oof import OutOfFold
from .provenance import backbone_init
from .records import COMPLETED, CORRUPT, FAILED, INCOMPLETE, LoadedRun, display_path
from .selection import Chosen
from .variant import Variant

# Tolerance for the cross-check of metrics.json against the AUC/AUPRC recomputed from predictions.csv.
METRICS_TOL = 1e-6


def run_metrics(variants: list[Variant], chosen: Chosen, boot: StratifiedBootstrap, problems: list[str]) -> PerSeed:
    """Test metrics of every counted run, with stratified bootstrap intervals (``auc_lo`` ...)."""
    rows: PerSeed = {}
    for v in variants:
        for s, rec in chosen.get(v.key, {}).items():
            assert rec.test is not None
            point = dict(zip(METRICS, auc_auprc(rec.test.probs, rec.test.labels), strict=True))
            if isinstance(rec.test, OutOfFold):  # the verdict's AUC: within-fold pairs only
                point["auc"] = rec.test.stratified_auc()
            resampled = dict(zip(METRICS, boot.auc_auprc(rec.test.probs), strict=True))
            row: dict[str, float] = {}
            for m in METRICS:
                row[m] = point[m]
                row[f"{m}_lo"], row[f"{m}_hi"] = percentile_ci(resampled[m])
                _check_stated(rec, m, point[m], problems)
            rows.setdefault(v.key, {})[s] = row
    return rows


def _check_stated(rec: LoadedRun, metric: str, value: float, problems: list[str]) -> None:
    stated = ((rec.metrics or {}).get("test") or {}).get(metric)
    if isinstance(stated, int | float) and abs(float(stated) - value) > METRICS_TOL:
        problems.append(
            f"{display_path(rec.path)}: metrics.json test {metric} {stated:.6f} differs from "
            f"predictions.csv ({value:.6f}); using predictions.csv"
        )


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _run_row(v: Variant, rec: LoadedRun, used: bool, metrics: dict[str, float]) -> dict[str, Any]:
    valid = (rec.metrics or {}).get("valid") or {}
    wall = rec.info.get("wall_seconds") or {}
    return {
        "variant": v.label,
        "seed": rec.seed,
        "status": rec.status,
        "used": used,
        "degenerate": rec.degenerate,
        "backbone": backbone_init(rec.info.get("pretrained")),
        "dataset": str(((rec.config or {}).get("data") or {}).get("name") or ""),
        **{c: metrics.get(c, math.nan) for m in METRICS for c in interval(m)},
        "n_test": rec.test.n if rec.test is not None else math.nan,
        "n_pos": rec.test.n_pos if rec.test is not None else math.nan,
        **{f"valid_{m}": _num(valid.get(m)) for m in METRICS},
        "best_epoch": _num((rec.metrics or {}).get("best_epoch")),
        "epochs_run": _num((rec.metrics or {}).get("epochs_run")),
        "wall_seconds": _num(wall.get("total") if isinstance(wall, dict) else None),
        "error": rec.error or "",
        "fold_auc": ", ".join(f"{a:.4f}" for a in rec.test.fold_aucs) if isinstance(rec.test, OutOfFold) else "",
        "run_dir": str(rec.path),
    }


def per_run_frame(variants: list[Variant], chosen: Chosen, metrics: PerSeed) -> pd.DataFrame:
    rows = []
    for v in variants:
        picked = chosen.get(v.key, {})
        for rec in sorted(v.runs, key=lambda r: (r.seed if r.seed is not None else -1, str(r.path))):
            used = rec.seed is not None and picked.get(rec.seed) is rec
            m = metrics.get(v.key, {}).get(rec.seed, {}) if used and rec.seed is not None else {}
            rows.append(_run_row(v, rec, used, m))
    return pd.DataFrame(rows, columns=PER_RUN_COLUMNS)


def _seed_of_job(job: list[str]) -> int | None:
    try:
        return int(overrides_dict(job)["seed"])
    except (KeyError, ValueError):
        return None


def _coverage_row(v: Variant, picked: dict[int, LoadedRun], all_seeds: list[int], known: bool) -> dict[str, Any]:
    run_seeds = {r.seed for r in v.runs if r.seed is not None}
    missing = {s for s in (_seed_of_job(j) for j in v.missing_jobs) if s is not None}
    expected = run_seeds | missing
    if not known:
        expected |= set(all_seeds)
        missing = expected - run_seeds
    completed = set(picked)
    by_status: dict[str, set[int]] = {FAILED: set(), INCOMPLETE: set(), CORRUPT: set()}
    errors = []
    for rec in sorted(v.runs, key=lambda r: r.seed if r.seed is not None else -1):
        if rec.status == COMPLETED or rec.seed in completed:
            continue
        by_status.setdefault(rec.status, set()).add(rec.seed if rec.seed is not None else -1)
        tag = "" if rec.status == FAILED else f" ({'skipped' if rec.status == CORRUPT else rec.status})"
        errors.append(f"seed {rec.seed}{tag}: {rec.error}")
    degenerate = {r.seed for r in v.runs if r.usable and r.degenerate and r.seed is not None}
    return {
        "variant": v.label,
        "baseline": v.is_baseline,
        "n_expected": len(expected),
        "n_completed": len(completed),
        "seeds_expected": seed_list(expected),
        "seeds_completed": seed_list(completed),
        "seeds_missing": seed_list(missing - completed),
        "seeds_failed": seed_list(by_status[FAILED]),
        "seeds_incomplete": seed_list(by_status[INCOMPLETE]),
        "seeds_skipped": seed_list(by_status[CORRUPT]),
        "seeds_degenerate": seed_list(degenerate),
        "errors": "; ".join(errors),
    }


def coverage_frame(variants: list[Variant], chosen: Chosen, all_seeds: list[int], known: bool) -> pd.DataFrame:
    """Seeds expected, completed, missing, failed, ... per variant; ``known``: multirun.yaml was read."""
    rows = [_coverage_row(v, chosen.get(v.key, {}), all_seeds, known) for v in variants]
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)

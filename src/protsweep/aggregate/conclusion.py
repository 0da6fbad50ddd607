"""The report's conclusion in words: what helps (and whether by more than a negligible amount), hurts, is
equivalent, or is undecided and the command that would decide it; the ceiling sentence only when every
counted route rules out a gain of the margin (one-sided, an intersection–union test); degenerate routes
named and never counted; the best configuration chosen on validation AUC, its test figures afterwards; the
target and the gap to it."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .decide import folds_command, more_seeds_command
from .formatting import WARNING_MARK, fmt, fmt_delta_ci, fmt_mdd, fmt_mean_sd, fmt_p, fmt_seeds_needed, fmt_signed
from .reference import target_gap
from .report import Report
from .verdict import (
    ALPHA,
    BETTER,
    EQUIVALENT,
    NOT_TESTABLE,
    POWER,
    TEST_SET_LIMITED,
    UNDECIDED,
    WORSE,
    infinite_seeds_reason,
)


def _flag(routes: pd.DataFrame, col: str) -> pd.Series:
    if col not in routes:
        return pd.Series(False, index=routes.index)
    return routes[col].fillna(0).astype(float) > 0


def degenerate_routes(routes: pd.DataFrame) -> pd.DataFrame:
    """Routes with a degenerate (constant) run in either arm: evidence of nothing, never counted."""
    return routes[_flag(routes, "n_degenerate") | _flag(routes, "collapsed")]


def counted_routes(routes: pd.DataFrame) -> pd.DataFrame:
    """The routes the ceiling rests on: testable, and no degenerate run in either arm."""
    return routes[(routes["verdict"] != NOT_TESTABLE) & ~routes.index.isin(degenerate_routes(routes).index)]


def ceiling_holds(routes: pd.DataFrame, alpha: float = ALPHA) -> bool:
    """The baseline looks like the ceiling when every counted route rejects H₀: Δ ≥ +margin (one-sided,
    ``p_ceiling_auc`` < α). Worse, equivalent and negligibly better routes pass; the claim needs all of them
    to (an intersection–union test: no multiplicity correction)."""
    counted = counted_routes(routes) if not routes.empty else routes
    return not counted.empty and bool((counted["p_ceiling_auc"].astype(float) < alpha).all())


def _delta(row: Any) -> str:
    return f"ΔAUC {fmt_delta_ci(row.delta_auc, row.delta_auc_lo, row.delta_auc_hi)}"


def what_it_takes(row: Any, margin: float, alpha: float, command: str | None = None) -> str:
    """For an undecided route: the minimum detectable Δ at the seeds used, the seeds the margin needs with
    their range, why no number of seeds would do when none would, and the command that would decide it."""
    k = int(row.k)
    mdd = f"with {k} seeds the smallest ΔAUC detectable at {int(POWER * 100)}% power is ±{fmt_mdd(row.mdd_auc)}"
    need = row.seeds_needed_auc
    lo, hi = getattr(row, "seeds_needed_auc_lo", math.nan), getattr(row, "seeds_needed_auc_hi", math.nan)
    if math.isnan(need):
        more = "the seeds needed cannot be estimated"
    elif math.isinf(need):
        why = infinite_seeds_reason(getattr(row, "var_shared_auc", math.nan), margin, alpha)
        more = f"no affordable number of seeds would detect ±{margin:g}; what needs more is {why}"
    else:
        more = (
            f"about {fmt_seeds_needed(need, lo, hi)} seeds per arm would detect ±{margin:g} "
            f"(α = {alpha}, observed variances)"
        )
    run = f"; to decide it: `{command}`" if command else ""
    return f"{row.route} ({_delta(row)}): {mdd}; {more}{run}"


def decide_command(rep: Report, row: Any) -> str | None:
    """More seeds into the same sweep folder; K-fold cross-validation when the test set is what limits."""
    res = dict(rep.sweeps).get(row.sweep) if hasattr(row, "sweep") else None
    if res is None or not res.dirs:
        return None
    need = row.seeds_needed_auc
    if math.isinf(need) and infinite_seeds_reason(getattr(row, "var_shared_auc", math.nan), rep.margin_auc,
                                                  rep.alpha) == TEST_SET_LIMITED:
        return folds_command(res.dirs[0], max(int(row.k), 3))
    return more_seeds_command(res.dirs[0], need)


def _listing(title: str, rows: pd.DataFrame, p_col: str = "p_delta_auc_holm", p_name: str = "p Holm") -> list[str]:
    if rows.empty:
        return []
    items = ", ".join(f"{r.route} ({_delta(r)}, {p_name} {fmt_p(getattr(r, p_col))})" for r in rows.itertuples())
    return [f"- **{title}**: {items}"]


def _ceiling_lines(rep: Report, degenerate: pd.DataFrame) -> list[str]:
    r, m = rep.routes, rep.margin_auc
    if ceiling_holds(r, rep.alpha):
        left_out = (
            f" (left out, evidence of nothing: {', '.join(degenerate['route'])})" if len(degenerate) else ""
        )
        return [
            f"- **No route improves on its baseline by {m:g} AUC or more** (one-sided test per route, H₀: Δ ≥ "
            f"+{m:g}, α = {rep.alpha}; all must reject it, so no multiplicity correction){left_out}: within these "
            "routes the baseline looks like the ceiling on this data."
        ]
    counted = counted_routes(r)
    real_gain = counted[(counted["verdict"] == BETTER) & ~counted["negligible"].astype(bool)]
    if len(real_gain):
        return ["- No ceiling: at least one route beats its baseline."]
    blocking = counted[~(counted["p_ceiling_auc"].astype(float) < rep.alpha)]
    if len(blocking):
        return [f"- No ceiling can be claimed yet: a gain of +{m:g} or more is not ruled out for "
                + ", ".join(blocking["route"]) + "."]
    return []


def verdict_lines(rep: Report) -> list[str]:
    r = rep.routes
    if r.empty:
        return []
    negligible = r["negligible"].astype(bool) if "negligible" in r else pd.Series(False, index=r.index)
    by = {v: r[r["verdict"] == v] for v in (BETTER, WORSE, EQUIVALENT, UNDECIDED, NOT_TESTABLE)}
    degenerate = degenerate_routes(r)
    lines = _listing("Better than the baseline", by[BETTER][~negligible[by[BETTER].index]])
    lines += _listing(
        f"Better by a negligible amount (a gain of {rep.margin_auc:g} or more is ruled out)",
        by[BETTER][negligible[by[BETTER].index]],
    )
    lines += _listing("Worse than the baseline", by[WORSE])
    lines += _listing(
        f"Equivalent to the baseline (within ±{rep.margin_auc:g} AUC, TOST)", by[EQUIVALENT], "p_tost_auc_holm",
        "TOST p Holm",
    )
    lines += _ceiling_lines(rep, degenerate)
    if len(by[UNDECIDED]):
        head = (
            "- **Undecided** (a gain of the margin is ruled out, so they do not block the ceiling):"
            if ceiling_holds(r, rep.alpha)
            else "- **Undecided** — no ceiling can be claimed until these are settled:"
        )
        lines.append(head)
        lines += [
            f"  - {what_it_takes(row, rep.margin_auc, rep.alpha, decide_command(rep, row))}"
            for row in by[UNDECIDED].itertuples()
        ]
    if len(degenerate):
        lines.append(
            "- **Degenerate** (a run predicts a constant: evidence of nothing, never counted towards the ceiling; "
            "rerun them): " + ", ".join(degenerate["route"])
        )
    if len(by[NOT_TESTABLE]):
        lines.append(
            "- Not testable (fewer than 2 seeds shared with the baseline): " + ", ".join(by[NOT_TESTABLE]["route"])
        )
    return lines


def best_lines(rep: Report) -> list[str]:
    b = rep.best
    if b is None:
        return []
    fingerprints = {res.test_fingerprint for _, res in rep.sweeps}
    caveat = "" if len(fingerprints) == 1 else " (the sweeps use different test sets: indicative only)"
    lines = [
        f"- **Best configuration** (chosen on seed-mean {b['basis']}{caveat}): {b['sweep']}: {b['variant']}"
        f" — validation AUC {fmt(b['valid_auc_mean'])}.",
        f"  - Its test figures, reported after the choice: AUC {fmt_mean_sd(b['auc_mean'], b['auc_sd'])} over "
        f"{int(b['n_seeds'])} seed(s), AUPRC {fmt_mean_sd(b['auprc_mean'], b['auprc_sd'])}; seed ensemble "
        f"AUC {fmt(b['ens_auc'])}, AUPRC {fmt(b['ens_auprc'])}.",
    ]
    target = (rep.reference or {}).get("target")
    if target is not None:
        gap, ens_gap = target_gap(rep.reference, b["auc_mean"]), target_gap(rep.reference, b["ens_auc"])
        lines.append(
            f"  - Target AUC {fmt(target)}: gap from the best configuration {fmt_signed(gap)} (seed mean), "
            f"{fmt_signed(ens_gap)} (seed ensemble); a positive gap means the target is not reached."
        )
    return lines


def provenance_lines(rep: Report) -> list[str]:
    lines = []
    for name, res in rep.sweeps:
        if res.provenance is None:
            continue
        warn = res.provenance.warning()
        lines.append(f"- {name}: {res.provenance.line()}" + (f" — {WARNING_MARK} {warn}" if warn else ""))
    return lines


def pooled_lines(rep: Report) -> list[str]:
    """Per route, the verdict pooled across strata (random effects, Hartung–Knapp)."""
    if rep.pooled is None or rep.pooled.empty:
        return []
    items = [
        f"{r.route}: {r.verdict}{' (negligible)' if r.negligible and r.verdict == BETTER else ''} "
        f"(ΔAUC {fmt_delta_ci(r.delta_auc, r.delta_auc_lo, r.delta_auc_hi)} over {int(r.k_strata)} strata, "
        f"τ² {fmt(r.tau2)})"
        for r in rep.pooled.itertuples()
    ]
    return ["- **Pooled across data sets and splits** (random effects, Hartung–Knapp): " + "; ".join(items)]


def conclusion(rep: Report) -> list[str]:
    return verdict_lines(rep) + pooled_lines(rep) + best_lines(rep)

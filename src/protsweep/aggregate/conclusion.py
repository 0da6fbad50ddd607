"""The report's conclusion in words: what helps, hurts, is equivalent, or is undecided and what it would
take; the ceiling sentence only when every route is equivalent or worse; the best configuration chosen
on validation AUC, its test figures afterwards; the target and the gap to it."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .formatting import WARNING_MARK, fmt, fmt_delta_ci, fmt_mdd, fmt_mean_sd, fmt_p, fmt_signed
from .reference import target_gap
from .report import Report
from .verdict import BETTER, EQUIVALENT, NOT_TESTABLE, POWER, UNDECIDED, WORSE

CEILING_VERDICTS = frozenset({EQUIVALENT, WORSE})


def ceiling_holds(routes: pd.DataFrame) -> bool:
    """Only when every route is equivalent to its baseline or worse may the baseline be called a ceiling."""
    return not routes.empty and set(routes["verdict"]) <= CEILING_VERDICTS


def _delta(row: Any) -> str:
    return f"ΔAUC {fmt_delta_ci(row.delta_auc, row.delta_auc_lo, row.delta_auc_hi)}"


def what_it_takes(row: Any, margin: float, alpha: float) -> str:
    """For an undecided route: the minimum detectable Δ at the seeds used and the seeds the margin needs."""
    k = int(row.k)
    mdd = f"with {k} seeds the smallest ΔAUC detectable at {int(POWER * 100)}% power is ±{fmt_mdd(row.mdd_auc)}"
    need = row.seeds_needed_auc
    if math.isnan(need):
        more = "the seeds needed cannot be estimated"
    elif math.isinf(need):
        more = (
            f"no number of seeds would detect ±{margin:g}: the test set's own sampling variance hides it "
            "(a larger test set would)"
        )
    else:
        more = f"about {int(need)} seeds per arm would detect ±{margin:g} (α = {alpha}, observed variances)"
    return f"{row.route} ({_delta(row)}): {mdd}; {more}"


def _listing(title: str, rows: pd.DataFrame) -> list[str]:
    if rows.empty:
        return []
    items = ", ".join(f"{r.route} ({_delta(r)}, p Holm {fmt_p(r.p_delta_auc_holm)})" for r in rows.itertuples())
    return [f"- **{title}**: {items}"]


def verdict_lines(rep: Report) -> list[str]:
    r = rep.routes
    if r.empty:
        return []
    by = {v: r[r["verdict"] == v] for v in (BETTER, WORSE, EQUIVALENT, UNDECIDED, NOT_TESTABLE)}
    lines = _listing("Better than the baseline", by[BETTER]) + _listing("Worse than the baseline", by[WORSE])
    lines += _listing(f"Equivalent to the baseline (within ±{rep.margin_auc:g} AUC, TOST)", by[EQUIVALENT])
    if ceiling_holds(r):
        lines.append(
            f"- **Every route is equivalent to its baseline or worse** (±{rep.margin_auc:g} AUC, Holm, "
            f"α = {rep.alpha}): within these routes the baseline looks like the ceiling on this data."
        )
    elif len(by[BETTER]):
        lines.append("- No ceiling: at least one route beats its baseline.")
    if len(by[UNDECIDED]):
        lines.append("- **Undecided** — no ceiling can be claimed until these are settled:")
        lines += [f"  - {what_it_takes(row, rep.margin_auc, rep.alpha)}" for row in by[UNDECIDED].itertuples()]
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


def conclusion(rep: Report) -> list[str]:
    return verdict_lines(rep) + best_lines(rep)

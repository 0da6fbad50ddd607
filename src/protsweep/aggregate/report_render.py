"""The conclusion report as Markdown (report.md)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import pandas as pd

from .formatting import WARNING_MARK, fmt, fmt_mean_sd, fmt_p, fmt_signed, fmt_value_ci, markdown_table
from .render import measured_row, reference_row, splits_section, summary_display
from .report import GAIN, LOSS, NOT_TESTABLE, Report

DELTA_FOREST_PNG = "delta_forest.png"


def figure_names(sweep: str) -> tuple[str, str]:
    """File names of a sweep's forest and ROC/PR figures in the report folder."""
    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", sweep).strip("_") or "sweep"
    return f"forest_{slug}.png", f"roc_pr_{slug}.png"


def report_markdown(rep: Report) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_boot = rep.sweeps[0][1].n_boot
    lines = [
        "# protsweep conclusion report",
        "",
        f"Generated {now} from {len(rep.sweeps)} sweep(s); {n_boot} stratified bootstrap resamples per sweep.",
        "",
        "| sweep | directory | runs | baseline |",
        "| --- | --- | --- | --- |",
    ]
    for name, res in rep.sweeps:
        counts = res.per_run["status"].value_counts().to_dict()
        status = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        lines.append(f"| {name} | `{res.dirs[0]}` | {status} | {res.baseline or '— (none)'} |")
    for d, why in rep.failed:
        lines.append(f"| (not aggregated) | `{d}` | {why} | |")
    warnings = [f"- {WARNING_MARK} {name}: {w}" for name, res in rep.sweeps for w in res.warnings]
    if warnings:
        lines += ["", "## Warnings", "", *warnings]
    lines += ["", "## Verdict per route", ""]
    lines += [
        "Primary test: paired t-test across matching seeds on Δ test AUC (variant − baseline), "
        f"Holm-adjusted across all {len(rep.routes)} route(s) in this report, α = {rep.alpha}. "
        "Alongside: the seed ensembles "
        "at equal K (Δ AUC with a stratified paired bootstrap 95% CI and DeLong's test, Holm-adjusted the "
        "same way) and Δ AUPRC. The two answer different questions; see docs/statistics.md.",
        "",
    ]
    if rep.routes.empty:
        lines += ["No comparisons: no sweep has a baseline with completed runs.", ""]
    else:
        lines += [markdown_table(routes_display(rep.routes), ("K",)), ""]
    lines += ["## Conclusion", "", *conclusion(rep), ""]
    if rep.reference:
        lines += ["## Reference numbers", "", markdown_table(reference_table(rep)), ""]
    lines += ["## Figures", ""]
    if not rep.routes.empty:
        lines += [f"![Δ AUC per route]({DELTA_FOREST_PNG})", ""]
    for name, _ in rep.sweeps:
        forest, roc_pr = figure_names(name)
        lines += [
            f"![{name}: per-variant metrics]({forest})",
            "",
            f"![{name}: ROC and PR of the seed ensembles]({roc_pr})",
            "",
        ]
    lines += ["## Per-sweep summaries", ""]
    for name, res in rep.sweeps:
        lines += [f"### {name}", "", markdown_table(summary_display(res)), ""]
        lines += splits_section(res, level="####")
        if res.problems:
            lines += [f"- {p}" for p in res.problems] + [""]
    return "\n".join(lines)


def routes_display(routes: pd.DataFrame) -> pd.DataFrame:
    out = []
    for _, r in routes.iterrows():
        out.append(
            {
                "route": r["route"],
                "K": int(r["k"]),
                "ΔAUC seeds [95% t-CI]": fmt_value_ci(r["delta_auc"], r["delta_auc_ci_lo"], r["delta_auc_ci_hi"], True),
                "p (Holm)": fmt_p(r["p_auc_holm"]),
                "verdict": r["verdict"],
                "ΔAUC ens. [95% CI]": fmt_value_ci(
                    r["ens_delta_auc"], r["ens_delta_auc_lo"], r["ens_delta_auc_hi"], True
                ),
                "p DeLong (Holm)": fmt_p(r["p_delong_holm"]),
                "ΔAUPRC seeds [95% t-CI]": fmt_value_ci(
                    r["delta_auprc"], r["delta_auprc_ci_lo"], r["delta_auprc_ci_hi"], True
                ),
                "ΔAUPRC ens. [95% CI]": fmt_value_ci(
                    r["ens_delta_auprc"], r["ens_delta_auprc_lo"], r["ens_delta_auprc_hi"], True
                ),
                "note": r["note"] if isinstance(r["note"], str) else "",
            }
        )
    return pd.DataFrame(out)


def conclusion(rep: Report) -> list[str]:
    lines: list[str] = []
    r = rep.routes
    if not r.empty:
        gains = r[r["verdict"] == GAIN]
        losses = r[r["verdict"] == LOSS]
        if len(gains):
            lines.append(
                "- **Beats the baseline** (significant gain): "
                + ", ".join(
                    f"{row.route} (ΔAUC {fmt_signed(row.delta_auc)}, p Holm {fmt_p(row.p_auc_holm)})"
                    for row in gains.itertuples()
                )
            )
        else:
            upper = r["delta_auc_ci_hi"].max()
            bound = (
                f"; the largest upper 95% limit of a route's ΔAUC is {fmt_signed(upper)}"
                if not math.isnan(upper)
                else ""
            )
            lines.append(
                f"- **No route beats its baseline** significantly (Holm, α = {rep.alpha}): within these "
                f"routes the baseline looks like the ceiling{bound}."
            )
        if len(losses):
            lines.append(
                "- Significantly worse than the baseline: "
                + ", ".join(f"{row.route} (ΔAUC {fmt_signed(row.delta_auc)})" for row in losses.itertuples())
            )
        untested = r[r["verdict"] == NOT_TESTABLE]
        if len(untested):
            lines.append(
                "- Not testable (fewer than 2 seeds shared with the baseline): " + ", ".join(untested["route"])
            )
    if rep.best is not None:
        b = rep.best
        fingerprints = {res.test_fingerprint for _, res in rep.sweeps}
        caveat = (
            ""
            if len(fingerprints) == 1
            else " (the sweeps use different test sets, so this cross-sweep ranking is indicative only)"
        )
        lines.append(
            f"- **Best configuration overall** (highest seed-mean test AUC): {b['sweep']}: {b['variant']} — "
            f"AUC {fmt_mean_sd(b['auc_mean'], b['auc_sd'])} over {int(b['n_seeds'])} seed(s), "
            f"AUPRC {fmt_mean_sd(b['auprc_mean'], b['auprc_sd'])}; seed ensemble AUC {fmt(b['ens_auc'])}, "
            f"AUPRC {fmt(b['ens_auprc'])}{caveat}."
        )
    return lines


def reference_table(rep: Report) -> pd.DataFrame:
    rows = [reference_row(rep.reference or {})]
    for name, res in rep.sweeps:
        base = res.summary[res.summary["baseline"]]
        for _, r in base.iterrows():
            rows.append(measured_row(f"measured baseline, {name}: {r['variant']}", r))
    if rep.best is not None:
        rows.append(measured_row(f"measured best, {rep.best['sweep']}: {rep.best['variant']}", rep.best))
    return pd.DataFrame(rows)

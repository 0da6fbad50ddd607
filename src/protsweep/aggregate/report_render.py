"""The conclusion report as Markdown (report.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd

from .conclusion import conclusion, provenance_lines
from .formatting import (
    WARNING_MARK,
    fmt,
    fmt_ci,
    fmt_delta_ci,
    fmt_mdd,
    fmt_p,
    fmt_signed,
    fmt_value_ci,
    markdown_table,
)
from .paper import METHODS_MD, ROUTES_TEX, methods_paragraph
from .records import display_path
from .reference import target_gap
from .render import mc_lines, measured_row, reference_row, splits_section, summary_display
from .report import Report
from .similarity import similarity_conclusion, with_similarity_row
from .strata_render import strata_section
from .verdict import UNDECIDED
from .verdict_render import verdict_word

DELTA_FOREST_PNG = "delta_forest.png"


def figure_names(sweep: str) -> tuple[str, str, str, str]:
    """File names of a sweep's forest, ROC/PR, training-curve and reliability figures in the report folder."""
    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", sweep).strip("_") or "sweep"
    return f"forest_{slug}.png", f"roc_pr_{slug}.png", f"training_{slug}.png", f"calibration_{slug}.png"


def report_markdown(rep: Report) -> str:
    sections = (_header, _verdicts, _references_and_paper, _figures, _per_sweep)
    return "\n".join(line for section in sections for line in section(rep))


def _header(rep: Report) -> list[str]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_boot = rep.sweeps[0][1].n_boot
    lines = [
        "# protsweep conclusion report",
        "",
        f"Generated {now} from {len(rep.sweeps)} sweep(s); {n_boot} stratified bootstrap resamples per sweep; "
        f"equivalence margin ±{rep.margin_auc:g} AUC (report.margin_auc).",
        "",
        "| sweep | directory | runs | baseline |",
        "| --- | --- | --- | --- |",
    ]
    for name, res in rep.sweeps:
        counts = res.per_run["status"].value_counts().to_dict()
        status = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        lines.append(f"| {name} | `{display_path(res.dirs[0])}` | {status} | {res.baseline or '— (none)'} |")
    for d, why in rep.failed:
        lines.append(f"| (not aggregated) | `{d}` | {why} | |")
    lines += ["", "**Provenance** (backbone and dataset):", "", *provenance_lines(rep)]
    warnings = [f"- {WARNING_MARK} {name}: {w}" for name, res in rep.sweeps for w in res.warnings]
    return lines + (["", "## Warnings", "", *warnings] if warnings else [])


def _verdicts(rep: Report) -> list[str]:
    lines = ["", "## Verdict per route", ""]
    lines += [
        "Primary: the mean over matching seeds of the per-seed ΔAUC (variant − baseline) with a 95% interval "
        "that carries both the seed-to-seed and the test-set variance; **better** / **worse**: Holm-adjusted "
        f"p < {rep.alpha} across all {len(rep.routes)} route(s); **equivalent**: two one-sided tests place ΔAUC "
        f"within ±{rep.margin_auc:g} (Holm-adjusted); else **undecided**. Secondary: the paired t-test over seeds "
        "(training variability only) and DeLong's test between the seed ensembles at equal K (test-set "
        "variability only). See docs/statistics.md.",
        "",
    ]
    if rep.routes.empty:
        lines += ["No comparisons: no sweep has a baseline with completed runs.", ""]
    else:
        lines += [markdown_table(routes_display(rep.routes), ("K",)), ""]
    return [*lines, *strata_section(rep), "## Conclusion", "", *conclusion(rep), *similarity_conclusion(rep.sweeps), ""]


def _references_and_paper(rep: Report) -> list[str]:
    lines: list[str] = []
    if rep.reference:
        lines += ["## Reference numbers", "", *reference_lines(rep), "", markdown_table(reference_table(rep)), ""]
    lines += ["## Paper section", "", f"LaTeX table of the routes: `{ROUTES_TEX}`. Methods (`{METHODS_MD}`):", ""]
    return [*lines, f"> {methods_paragraph(rep)}", ""]


def _figures(rep: Report) -> list[str]:
    lines = ["## Figures", ""]
    if not rep.routes.empty:
        lines += [f"![Δ AUC per route]({DELTA_FOREST_PNG})", ""]
    for name, res in rep.sweeps:
        forest, roc_pr, training, reliability = figure_names(name)
        lines += [f"![{name}: per-variant metrics]({forest})", "", f"![{name}: ROC and PR]({roc_pr})", ""]
        if res.histories:
            lines += [f"![{name}: training curves, mean and range over seeds]({training})", ""]
        if res.reliability:
            lines += [f"![{name}: reliability per variant, seeds and ensemble, raw and calibrated]({reliability})", ""]
    return lines


def _per_sweep(rep: Report) -> list[str]:
    lines = ["## Per-sweep summaries", ""]
    for name, res in rep.sweeps:
        table = markdown_table(with_similarity_row(summary_display(res), res.similarity))
        lines += [f"### {name}", "", table, *mc_lines(res), ""]
        lines += splits_section(res, level="####")
        if res.problems:
            lines += [f"- {p}" for p in res.problems] + [""]
    return lines


def routes_display(routes: pd.DataFrame) -> pd.DataFrame:
    out = []
    for _, r in routes.iterrows():
        out.append(
            {
                "route": r["route"],
                "K": int(r["k"]),
                "ΔAUC [95% CI, seeds + test]": fmt_delta_ci(r["delta_auc"], r["delta_auc_lo"], r["delta_auc_hi"]),
                "p (Holm)": fmt_p(r["p_delta_auc_holm"]),
                "p TOST (Holm)": fmt_p(r["p_tost_auc_holm"]),
                "verdict": verdict_word(r["verdict"], r["negligible"]),
                "min. detectable Δ": fmt_mdd(r["mdd_auc"]) if r["verdict"] == UNDECIDED else "",
                "ΔAUPRC [95% CI]": fmt_delta_ci(r["delta_auprc"], r["delta_auprc_lo"], r["delta_auprc_hi"]),
                "p t over seeds (Holm)": fmt_p(r["p_auc_holm"]),
                "ΔAUC ens. [95% CI]": fmt_value_ci(
                    r["ens_delta_auc"], r["ens_delta_auc_lo"], r["ens_delta_auc_hi"], True
                ),
                "p DeLong ens. (Holm)": fmt_p(r["p_delong_holm"]),
                "note": r["note"] if isinstance(r["note"], str) else "",
            }
        )
    return pd.DataFrame(out)


def reference_lines(rep: Report) -> list[str]:
    ref = rep.reference or {}
    lines = [f"- {ref.get('label') or 'reference'}; dataset: {ref.get('dataset') or 'not stated'}."]
    if ref.get("ensemble_ci"):
        lo, hi = ref["ensemble_ci"]
        lines.append(f"- Reference ensemble AUC {fmt(ref.get('ensemble_auc'))}, 95% CI {fmt_ci(lo, hi)}.")
    if ref.get("target") is not None:
        gap = target_gap(ref, rep.best["auc_mean"]) if rep.best else None
        lines.append(f"- Target AUC {fmt(ref['target'])}; gap from the best measured configuration: {fmt_signed(gap)}.")
    return lines


def reference_table(rep: Report) -> pd.DataFrame:
    rows = [reference_row(rep.reference or {})]
    for name, res in rep.sweeps:
        base = res.summary[res.summary["baseline"]]
        for _, r in base.iterrows():
            rows.append(measured_row(f"measured baseline, {name}: {r['variant']}", r, rep.reference))
    if rep.best is not None:
        rows.append(
            measured_row(f"measured best, {rep.best['sweep']}: {rep.best['variant']}", rep.best, rep.reference)
        )
    return pd.DataFrame(rows)

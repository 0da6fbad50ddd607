"""Results as text: the readable tables, the console summary, summary.md and summary.tex."""

from __future__ import annotations

import pandas as pd

from .formatting import (
    WARNING_MARK,
    fmt,
    fmt_delta_ci,
    fmt_p,
    fmt_signed,
    fmt_value_ci,
    latex_escape,
    latex_table,
    markdown_table,
)
from .reference import target_gap
from .result import Results
from .similarity import leakage_lines, with_similarity_row
from .summary_render import (
    BEST_MARK,
    RIGHT_ALIGNED,
    SUMMARY_NOTE,
    bootstrap_mc_line,
    summary_display,
    summary_table,
)
from .verdict_render import verdict_caption, verdict_display


def comparisons_display(results: Results) -> pd.DataFrame:
    rows = []
    for _, r in results.comparisons.iterrows():
        rows.append(
            {
                "variant": r["variant"],
                "K": int(r["k"]),
                "ΔAUC [95% CI, seeds + test]": fmt_delta_ci(r["delta_auc"], r["delta_auc_lo"], r["delta_auc_hi"]),
                "p (Holm)": fmt_p(r["p_delta_auc_holm"]),
                "verdict": r["verdict"],
                "ΔAUPRC [95% CI, seeds + test]": fmt_value_ci(
                    r["delta_auprc"], r["delta_auprc_lo"], r["delta_auprc_hi"], True
                ),
                "ΔAUC seeds [95% t-CI]": fmt_value_ci(r["delta_auc"], r["delta_auc_ci_lo"], r["delta_auc_ci_hi"], True),
                "p t": fmt_p(r["p_auc"]),
                "p t Holm": fmt_p(r["p_auc_holm"]),
                "ΔAUPRC seeds [95% t-CI]": fmt_value_ci(
                    r["delta_auprc"], r["delta_auprc_ci_lo"], r["delta_auprc_ci_hi"], True
                ),
                "p t Holm (AUPRC)": fmt_p(r["p_auprc_holm"]),
                "ΔAUC ens. [95% boot. CI]": fmt_value_ci(
                    r["ens_delta_auc"], r["ens_delta_auc_lo"], r["ens_delta_auc_hi"], True
                ),
                "p DeLong": fmt_p(r["p_delong"]),
                "p DeLong Holm": fmt_p(r["p_delong_holm"]),
                "ΔAUPRC ens. [95% boot. CI]": fmt_value_ci(
                    r["ens_delta_auprc"], r["ens_delta_auprc_lo"], r["ens_delta_auprc_hi"], True
                ),
                "note": r["note"],
            }
        )
    return pd.DataFrame(rows)


def seeds_cell(seeds: object) -> str:
    """``"0,3"`` -> ``"seeds 0, 3"``; ``"0"`` -> ``"seed 0"`` (never read as a count); none -> ``"—"``."""
    listed = [s for s in str(seeds if isinstance(seeds, str) else "").split(",") if s.strip()]
    return "—" if not listed else f"seed{'s' if len(listed) > 1 else ''} {', '.join(s.strip() for s in listed)}"


def coverage_display(results: Results) -> pd.DataFrame:
    c = results.coverage
    return pd.DataFrame(
        {
            "variant": c["variant"],
            "completed/expected": [f"{a}/{b}" for a, b in zip(c["n_completed"], c["n_expected"], strict=True)],
            "seeds completed": c["seeds_completed"].map(seeds_cell),
            "missing": c["seeds_missing"].map(seeds_cell),
            "failed": c["seeds_failed"].map(seeds_cell),
            "incomplete": c["seeds_incomplete"].map(seeds_cell),
            "skipped (corrupt)": c["seeds_skipped"].map(seeds_cell),
            "degenerate": c["seeds_degenerate"].map(seeds_cell),
            "errors": c["errors"],
        }
    )


def splits_display(results: Results) -> pd.DataFrame:
    s = results.splits
    return pd.DataFrame(
        {
            "split": [f"{n} {WARNING_MARK}" if small else n for n, small in zip(s["split"], s["small"], strict=True)],
            "n": s["n"],
            "positives": s["pos"],
            "negatives": s["neg"],
            "variants": s["variants"],
            "from": s["source"],
        }
    )


def reference_display(results: Results) -> pd.DataFrame | None:
    ref = results.reference
    if not ref:
        return None
    s = results.summary
    rows = [reference_row(ref)]
    for _, r in s[s["baseline"] | s["best"]].iterrows():
        role = "baseline" if r["baseline"] else "best"
        rows.append(measured_row(f"measured {role}: {r['variant']}", r, ref))
    return pd.DataFrame(rows)


def reference_row(ref: dict) -> dict[str, str]:
    ci = ref.get("ensemble_ci") or (None, None)
    dataset = f" [{ref['dataset']}]" if ref.get("dataset") else ""
    return {
        "": str(ref.get("label") or "reference") + dataset,
        "seed-mean AUC": fmt(ref.get("auc_mean")),
        "seed-mean AUPRC": fmt(ref.get("auprc_mean")),
        "ensemble AUC [95% CI]": fmt_value_ci(ref.get("ensemble_auc"), *ci)
        if ci[0] is not None
        else fmt(ref.get("ensemble_auc")),
        "ensemble AUPRC": fmt(ref.get("ensemble_auprc")),
        "gap to target": "",
    }


def measured_row(title: str, r: pd.Series | dict, ref: dict | None = None) -> dict[str, str]:
    return {
        "": f"{title} ({int(r['n_seeds'])} seeds)",
        "seed-mean AUC": fmt(r["auc_mean"]),
        "seed-mean AUPRC": fmt(r["auprc_mean"]),
        "ensemble AUC [95% CI]": fmt_value_ci(r["ens_auc"], r["ens_auc_lo"], r["ens_auc_hi"]),
        "ensemble AUPRC": fmt(r["ens_auprc"]),
        "gap to target": fmt_signed(target_gap(ref, r["auc_mean"])),
    }


def header_line(results: Results) -> str:
    counts = results.per_run["status"].value_counts().to_dict()
    status = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    base = results.baseline or "none"
    return (
        f"protsweep aggregate — {results.name}: {len(results.per_run)} run(s) ({status}); "
        f"baseline: {base}; test n={results.n_test} ({results.n_pos} positive); "
        f"{results.n_boot} stratified bootstrap resamples (seed {results.seed}); {provenance_text(results)}"
    )


def provenance_text(results: Results) -> str:
    return results.provenance.line() if results.provenance is not None else "provenance not recorded"


def titled(results: Results) -> str:
    """A plot or table title: the sweep's name and its provenance, flagged when random-init."""
    flag = f" {WARNING_MARK} RANDOM-INIT" if results.provenance is not None and results.provenance.random_init else ""
    return f"{results.name} — {provenance_text(results)}{flag}"


def warning_lines(results: Results) -> list[str]:
    return [f"{WARNING_MARK} {w}" for w in results.warnings]


def mc_lines(results: Results) -> list[str]:
    """``["", <the bootstrap's Monte-Carlo error line>]`` under a summary table, or nothing."""
    line = bootstrap_mc_line(results)
    return ["", line] if line else []


def console_summary(results: Results, max_problems: int = 10) -> str:
    """The summary table (Markdown) with a header, as printed at the end of a multirun."""
    lines = [header_line(results), *warning_lines(results), "", summary_table(results), *mc_lines(results)]
    if not results.comparisons.empty:
        lines += ["", verdict_caption(results), "", markdown_table(verdict_display(results), RIGHT_ALIGNED)]
    others = results.problems[len(results.warnings) :]
    if others:
        lines += ["", f"{len(others)} problem(s):"] + [f"  - {p}" for p in others[:max_problems]]
        if len(others) > max_problems:
            lines.append(f"  ... and {len(others) - max_problems} more (see summary.md)")
    return "\n".join(lines)


def summary_markdown(results: Results) -> str:
    parts = [
        f"# protsweep results: {titled(results)}",
        "",
        header_line(results) + ".",
        "",
        "Sweep directories: " + ", ".join(f"`{d}`" for d in results.dirs),
        "",
    ]
    if results.warnings:
        parts += ["## Warnings", "", *(f"- {w}" for w in warning_lines(results)), ""]
    parts += ["## Summary", "", SUMMARY_NOTE, "", summary_table(results), *mc_lines(results), ""]
    if not results.comparisons.empty:
        parts += ["## Verdict", "", verdict_caption(results), "", markdown_table(verdict_display(results)), ""]
        parts += [
            "## Paired comparisons against the baseline",
            "",
            markdown_table(comparisons_display(results), RIGHT_ALIGNED),
            "",
        ]
    parts += ["## Coverage", "", markdown_table(coverage_display(results)), ""]
    parts += splits_section(results)
    parts += ["## Variants", "", "Labels and the full override set of each variant (also `variants.csv`).", ""]
    parts += [markdown_table(results.variants.astype(str)), ""]
    ref = reference_display(results)
    if ref is not None:
        parts += ["## Reference numbers", "", markdown_table(ref), ""]
    if results.problems:
        parts += ["## Problems", ""] + [f"- {p}" for p in results.problems] + [""]
    return "\n".join(parts)


def splits_section(results: Results, level: str = "##") -> list[str]:
    if results.splits.empty:
        return []
    note = (
        f"{WARNING_MARK}: fewer than {results.min_class_count} positives or negatives (report.min_class_count); "
        "AUC intervals and tests on such a split are unreliable."
    )
    notes = [f"- {n}" for n in results.split_notes]
    return [
        f"{level} Splits",
        "",
        note,
        "",
        markdown_table(splits_display(results)),
        "",
        *leakage_lines(results.similarity),
        *notes,
        *([""] if notes else []),
    ]


def summary_latex(results: Results) -> str:
    """The summary table as a LaTeX tabular (booktabs rules)."""
    frame = with_similarity_row(summary_display(results), results.similarity)
    frame["variant"] = frame["variant"].str.replace(BEST_MARK, "(best)", regex=False)
    caption = latex_escape(f"{titled(results)}. Best: highest seed-mean {results.best_basis}.")
    return "\n".join(["\\begin{table}", f"\\caption{{{caption}}}", latex_table(frame).rstrip(), "\\end{table}", ""])

"""Tables for people: Markdown (no tabulate needed), LaTeX (pandas + jinja2), CSV; the results folder."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import OutputDirError

if TYPE_CHECKING:
    from .api import Results

MARKER = ".protsweep-results"
BEST_MARK = "★"


# ---------------------------------------------------------------------------------------------------
# Number formatting


def fmt(x: Any, digits: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x) if x is not None else "—"
    return "—" if math.isnan(v) else f"{v:.{digits}f}"


def fmt_signed(x: Any, digits: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(v) else f"{v:+.{digits}f}"


def fmt_p(p: Any) -> str:
    try:
        v = float(p)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(v):
        return "—"
    return "<1e-4" if v < 1e-4 else f"{v:.4f}" if v < 0.01 else f"{v:.3f}"


def fmt_ci(lo: Any, hi: Any, digits: int = 4, signed: bool = False) -> str:
    f = fmt_signed if signed else fmt
    a, b = f(lo, digits), f(hi, digits)
    return "—" if a == "—" or b == "—" else f"[{a}, {b}]"


def fmt_mean_sd(mean: Any, sd: Any, digits: int = 4) -> str:
    m = fmt(mean, digits)
    s = fmt(sd, digits)
    return m if s == "—" else f"{m} ± {s}"


# ---------------------------------------------------------------------------------------------------
# Markdown


def _escape_md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, align_right: Sequence[str] = ()) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (cells used as they are, as strings)."""
    headers = [str(c) for c in frame.columns]
    rows = [[_escape_md(str(v)) for v in row] for row in frame.itertuples(index=False)]
    widths = [max([3, len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if h in align_right else c.ljust(w)
            for c, w, h in zip(cells, widths, headers, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    sep = ["-" * (w - 1) + ":" if h in align_right else "-" * w for w, h in zip(widths, headers, strict=True)]
    return "\n".join([line(headers), "| " + " | ".join(sep) + " |", *(line(r) for r in rows)])


def summary_display(results: Results) -> pd.DataFrame:
    """The readable summary: baseline first, best seed-mean AUC marked."""
    s = results.summary
    rows = []
    for _, r in s.iterrows():
        name = str(r["variant"])
        if r["baseline"]:
            name += " (baseline)"
        if r["best"]:
            name += f" {BEST_MARK}"
        rows.append(
            {
                "variant": name,
                "seeds": f"{int(r['n_seeds'])}/{int(r['n_expected'])}",
                "AUC mean ± sd": fmt_mean_sd(r["auc_mean"], r["auc_sd"]),
                "AUC 95% t-CI": fmt_ci(r["auc_ci_lo"], r["auc_ci_hi"]),
                "AUPRC mean ± sd": fmt_mean_sd(r["auprc_mean"], r["auprc_sd"]),
                "AUPRC 95% t-CI": fmt_ci(r["auprc_ci_lo"], r["auprc_ci_hi"]),
                "ens. AUC [95% CI]": _value_ci(r["ens_auc"], r["ens_auc_lo"], r["ens_auc_hi"]),
                "ens. AUPRC [95% CI]": _value_ci(r["ens_auprc"], r["ens_auprc_lo"], r["ens_auprc_hi"]),
                "ΔAUC seeds": "" if r["baseline"] else fmt_signed(r["delta_auc"]),
                "p (t, Holm)": "" if r["baseline"] else fmt_p(r["p_auc_holm"]),
                "ΔAUC ens.": "" if r["baseline"] else fmt_signed(r["ens_delta_auc"]),
                "p (DeLong, Holm)": "" if r["baseline"] else fmt_p(r["p_delong_holm"]),
            }
        )
    return pd.DataFrame(rows)


def _value_ci(value: Any, lo: Any, hi: Any) -> str:
    v = fmt(value)
    return v if v == "—" else f"{v} {fmt_ci(lo, hi)}"


def comparisons_display(results: Results) -> pd.DataFrame:
    rows = []
    for _, r in results.comparisons.iterrows():
        rows.append(
            {
                "variant": r["variant"],
                "K": int(r["k"]),
                "ΔAUC seeds [95% t-CI]": f"{fmt_signed(r['delta_auc'])} "
                f"{fmt_ci(r['delta_auc_ci_lo'], r['delta_auc_ci_hi'], signed=True)}",
                "p t": fmt_p(r["p_auc"]),
                "p t Holm": fmt_p(r["p_auc_holm"]),
                "ΔAUPRC seeds [95% t-CI]": f"{fmt_signed(r['delta_auprc'])} "
                f"{fmt_ci(r['delta_auprc_ci_lo'], r['delta_auprc_ci_hi'], signed=True)}",
                "p t Holm (AUPRC)": fmt_p(r["p_auprc_holm"]),
                "ΔAUC ens. [95% boot. CI]": f"{fmt_signed(r['ens_delta_auc'])} "
                f"{fmt_ci(r['ens_delta_auc_lo'], r['ens_delta_auc_hi'], signed=True)}",
                "p DeLong": fmt_p(r["p_delong"]),
                "p DeLong Holm": fmt_p(r["p_delong_holm"]),
                "ΔAUPRC ens. [95% boot. CI]": f"{fmt_signed(r['ens_delta_auprc'])} "
                f"{fmt_ci(r['ens_delta_auprc_lo'], r['ens_delta_auprc_hi'], signed=True)}",
                "note": r["note"],
            }
        )
    return pd.DataFrame(rows)


def coverage_display(results: Results) -> pd.DataFrame:
    c = results.coverage
    return pd.DataFrame(
        {
            "variant": c["variant"],
            "completed/expected": [
                f"{a}/{b}" for a, b in zip(c["n_completed"], c["n_expected"], strict=True)
            ],
            "seeds completed": c["seeds_completed"],
            "missing": c["seeds_missing"],
            "failed": c["seeds_failed"],
            "incomplete": c["seeds_incomplete"],
            "skipped (corrupt)": c["seeds_skipped"],
            "errors": c["errors"],
        }
    )


def reference_display(results: Results) -> pd.DataFrame | None:
    ref = results.reference
    if not ref:
        return None
    s = results.summary
    rows = [
        {
            "": str(ref.get("label") or "reference"),
            "seed-mean AUC": fmt(ref.get("auc_mean")),
            "seed-mean AUPRC": fmt(ref.get("auprc_mean")),
            "ensemble AUC": fmt(ref.get("ensemble_auc")),
            "ensemble AUPRC": fmt(ref.get("ensemble_auprc")),
        }
    ]
    for _, r in s[s["baseline"] | s["best"]].iterrows():
        role = "baseline" if r["baseline"] else "best"
        rows.append(
            {
                "": f"measured {role}: {r['variant']} ({int(r['n_seeds'])} seeds)",
                "seed-mean AUC": fmt(r["auc_mean"]),
                "seed-mean AUPRC": fmt(r["auprc_mean"]),
                "ensemble AUC": fmt(r["ens_auc"]),
                "ensemble AUPRC": fmt(r["ens_auprc"]),
            }
        )
    return pd.DataFrame(rows)


_RIGHT = (
    "seeds",
    "K",
    "p t",
    "p t Holm",
    "p DeLong",
    "p DeLong Holm",
    "p (t, Holm)",
    "p (DeLong, Holm)",
    "ΔAUC seeds",
    "ΔAUC ens.",
    "p t Holm (AUPRC)",
)


def header_line(results: Results) -> str:
    counts = results.per_run["status"].value_counts().to_dict()
    status = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    base = results.baseline or "none"
    return (
        f"protsweep aggregate — {results.name}: {len(results.per_run)} run(s) ({status}); "
        f"baseline: {base}; test n={results.n_test} ({results.n_pos} positive); "
        f"{results.n_boot} stratified bootstrap resamples (seed {results.seed})"
    )


def console_summary(results: Results) -> str:
    lines = [header_line(results), "", markdown_table(summary_display(results), _RIGHT)]
    n_problems = len(results.problems)
    if n_problems:
        lines += ["", f"{n_problems} problem(s):"] + [f"  - {p}" for p in results.problems[:10]]
        if n_problems > 10:
            lines.append(f"  ... and {n_problems - 10} more (see summary.md)")
    return "\n".join(lines)


def summary_markdown(results: Results) -> str:
    parts = [
        f"# protsweep results: {results.name}",
        "",
        header_line(results) + ".",
        "",
        "Sweep directories: " + ", ".join(f"`{d}`" for d in results.dirs),
        "",
        "## Summary",
        "",
        f"Baseline first; {BEST_MARK} marks the best seed-mean test AUC. "
        "Mean ± sd across seeds (ddof=1) with a "
        "95% t-interval; *ens.* is the seed ensemble (mean probability over the seeds) with a 95% stratified "
        "test-set bootstrap percentile interval. ΔAUC seeds: mean paired difference to the baseline over "
        "matching seeds (paired t-test, Holm-adjusted across the variants); ΔAUC ens.: ensembles at equal K "
        "(DeLong test, Holm-adjusted). See docs/statistics.md.",
        "",
        markdown_table(summary_display(results), _RIGHT),
        "",
    ]
    if not results.comparisons.empty:
        parts += [
            "## Paired comparisons against the baseline",
            "",
            markdown_table(comparisons_display(results), _RIGHT),
            "",
        ]
    parts += ["## Coverage", "", markdown_table(coverage_display(results)), ""]
    ref = reference_display(results)
    if ref is not None:
        parts += ["## Reference numbers", "", markdown_table(ref), ""]
    if results.problems:
        parts += ["## Problems", ""] + [f"- {p}" for p in results.problems] + [""]
    return "\n".join(parts)


def _latex_escape(text: str) -> str:
    out = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    return out.replace("±", r"$\pm$").replace("Δ", r"$\Delta$").replace("<", "$<$").replace("—", "--")


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def summary_latex(results: Results) -> str:
    """The summary table as a LaTeX tabular (booktabs rules)."""
    frame = summary_display(results)
    frame["variant"] = frame["variant"].str.replace(BEST_MARK, "(best)", regex=False)
    frame = frame.map(_latex_escape)
    frame.columns = [_latex_escape(c) for c in frame.columns]
    return frame.to_latex(index=False, escape=False, column_format="l" + "r" * (frame.shape[1] - 1))


# ---------------------------------------------------------------------------------------------------
# The results folder


def replace_owned_dir(out: Path, fill: Callable[[Path], None]) -> Path:
    """Build the folder in a temporary sibling, then swap it in; refuse to replace a foreign folder."""
    out = out.absolute()
    if out.exists():
        if not out.is_dir():
            raise OutputDirError(f"{out}: exists and is not a directory")
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise OutputDirError(f"{out}: exists and was not written by protsweep; refusing to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        fill(tmp)
        (tmp / MARKER).write_text(
            "written by protsweep; replaced as a whole on the next run\n", encoding="utf-8"
        )
        os.chmod(tmp, 0o755)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    return out


def write_results(results: Results, out: Path, plots: bool = True) -> Path:
    def fill(tmp: Path) -> None:
        results.per_run.to_csv(tmp / "per_run.csv", index=False)
        results.summary.to_csv(tmp / "summary.csv", index=False)
        results.comparisons.to_csv(tmp / "comparisons.csv", index=False)
        results.coverage.to_csv(tmp / "coverage.csv", index=False)
        (tmp / "summary.md").write_text(summary_markdown(results), encoding="utf-8")
        (tmp / "summary.tex").write_text(summary_latex(results), encoding="utf-8")
        if plots:
            from .plots import forest_plot, roc_pr_plot

            forest_plot(results, tmp / "forest.png")
            roc_pr_plot(results, tmp / "roc_pr.png")

    return replace_owned_dir(out, fill)

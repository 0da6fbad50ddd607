"""Number formatting and plain table markup (Markdown without tabulate, LaTeX escaping)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

MISSING = "—"
WARNING_MARK = "⚠"


def fmt(x: Any, digits: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x) if x is not None else MISSING
    return MISSING if math.isnan(v) else f"{v:.{digits}f}"


def fmt_signed(x: Any, digits: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return MISSING
    return MISSING if math.isnan(v) else f"{v:+.{digits}f}"


def fmt_p(p: Any) -> str:
    try:
        v = float(p)
    except (TypeError, ValueError):
        return MISSING
    if math.isnan(v):
        return MISSING
    return "<1e-4" if v < 1e-4 else f"{v:.4f}" if v < 0.01 else f"{v:.3f}"


def fmt_ci(lo: Any, hi: Any, digits: int = 4, signed: bool = False) -> str:
    f = fmt_signed if signed else fmt
    a, b = f(lo, digits), f(hi, digits)
    return MISSING if MISSING in (a, b) else f"[{a}, {b}]"


def fmt_mean_sd(mean: Any, sd: Any, digits: int = 4) -> str:
    m = fmt(mean, digits)
    s = fmt(sd, digits)
    return m if s == MISSING else f"{m} ± {s}"


def fmt_value_ci(value: Any, lo: Any, hi: Any, signed: bool = False) -> str:
    v = (fmt_signed if signed else fmt)(value)
    return v if v == MISSING else f"{v} {fmt_ci(lo, hi, signed=signed)}"


def fmt_delta_ci(value: Any, lo: Any, hi: Any) -> str:
    """A Δ in [-1, 1] with its interval; an interval cut at the range is marked so."""
    text = fmt_value_ci(value, lo, hi, signed=True)
    try:
        cut = float(lo) <= -1.0 or float(hi) >= 1.0
    except (TypeError, ValueError):
        cut = False
    return f"{text} (cut at ±1)" if cut and text != MISSING else text


def fmt_mdd(value: Any) -> str:
    """A minimum detectable Δ; above 1 no AUC difference could be detected at all."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return MISSING
    return MISSING if math.isnan(v) else "> 1 (none detectable)" if v > 1.0 else f"{v:.3f}"


def _escape_md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, align_right: Sequence[str] = ()) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (cells used as they are, as strings)."""
    headers = [str(c) for c in frame.columns]
    rows = [[_escape_md(str(v)) for v in row] for row in frame.itertuples(index=False)]
    widths = [max([3, len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if h in align_right else c.ljust(w) for c, w, h in zip(cells, widths, headers, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    sep = ["-" * (w - 1) + ":" if h in align_right else "-" * w for w, h in zip(widths, headers, strict=True)]
    return "\n".join([line(headers), "| " + " | ".join(sep) + " |", *(line(r) for r in rows)])


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


def latex_escape(text: str) -> str:
    out = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    return (
        out.replace("±", r"$\pm$")
        .replace("Δ", r"$\Delta$")
        .replace("<", "$<$")
        .replace(MISSING, "--")
        .replace("…", r"\ldots{}")
        .replace("·", r"$\cdot$")
        .replace("−", "$-$")
        .replace("∞", r"$\infty$")
        .replace(WARNING_MARK, "(!)")
    )


def latex_table(frame: pd.DataFrame) -> str:
    """``frame`` (cells as strings) as a LaTeX tabular with booktabs rules."""
    out = frame.map(latex_escape)
    out.columns = [latex_escape(c) for c in out.columns]
    return out.to_latex(index=False, escape=False, column_format="l" + "r" * (out.shape[1] - 1))


def fmt_seeds_needed(need: float, lo: float = math.nan, hi: float = math.nan) -> str:
    """"about N (80% range a–b)"; the range says how far another set of seeds could move the figure."""
    def one(x: float) -> str:
        return "—" if math.isnan(x) else "> 1000" if math.isinf(x) else str(int(x))

    if math.isnan(lo) or math.isnan(hi):
        return one(need)
    return f"{one(need)} (80% range {one(lo)}–{one(hi)})"

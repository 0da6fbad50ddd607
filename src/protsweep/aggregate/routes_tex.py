"""``routes.tex``: the routes table for a paper, compilable as it stands.

It needs exactly the packages its first line names (``booktabs`` for the rules, ``graphicx`` for the
shrink-to-fit guard) in a plain ``article``; each sweep is a group row, each route one line with its Δ on
top of its interval, so the table fits ``\\textwidth`` at 10pt (and is scaled down, never up, if it still
would not). The p column holds the Holm-adjusted difference-test p, and the TOST p for equivalent rows
(marked †); the notes under it say so and name degenerate routes, the backbone init and the software.
No path appears anywhere in it (provenance lines carry file names only)."""

from __future__ import annotations

import math

import pandas as pd

from .formatting import fmt_p, fmt_signed, latex_escape
from .paper_notes import paper_notes
from .report import Report
from .verdict import EQUIVALENT

PACKAGES = ("booktabs", "graphicx")
HEADER = ("Route", "K", r"$\Delta$AUC [95\% CI]", r"$\Delta$AUPRC [95\% CI]", "Verdict", "p (Holm)")
DAGGER = r"$^{\dagger}$"


def preamble_comment() -> str:
    return (
        f"% routes.tex (protsweep): needs \\usepackage{{{','.join(PACKAGES)}}} in the preamble; e.g.\n"
        f"% \\documentclass{{article}} \\usepackage{{{','.join(PACKAGES)}}} \\begin{{document}} "
        "\\input{routes.tex} \\end{document}"
    )


def _breakable(text: str) -> str:
    """Escaped, with break points after ``,`` and ``=`` so a long variant wraps instead of overflowing."""
    return latex_escape(text).replace(",", r",\allowbreak{}").replace("=", r"=\allowbreak{}")


def _stacked(value: float, lo: float, hi: float) -> str:
    """Δ above its interval, in a one-column tabular (no package needed)."""
    if math.isnan(value):
        return "--"
    return (
        r"\begin{tabular}[t]{@{}r@{}}"
        + latex_escape(fmt_signed(value))
        + r"\\{}"  # {} ends the line break's look-ahead for an optional [length]
        + latex_escape(f"[{fmt_signed(lo)}, {fmt_signed(hi)}]")
        + r"\end{tabular}"
    )


def _p_cell(r: pd.Series) -> str:
    if r["verdict"] == EQUIVALENT:
        return latex_escape(fmt_p(r["p_tost_auc_holm"])) + DAGGER
    return latex_escape(fmt_p(r["p_delta_auc_holm"]))


def _row(r: pd.Series) -> str:
    cells = [
        r"\parbox[t]{0.3\linewidth}{\raggedright " + _breakable(str(r["variant"])) + "}",
        str(int(r["k"])),
        _stacked(r["delta_auc"], r["delta_auc_lo"], r["delta_auc_hi"]),
        _stacked(r["delta_auprc"], r["delta_auprc_lo"], r["delta_auprc_hi"]),
        latex_escape(str(r["verdict"])),
        _p_cell(r),
    ]
    return " & ".join(cells) + r" \\"


def _body(routes: pd.DataFrame) -> list[str]:
    lines = [r"\begin{tabular}{lrrrlr}", r"\toprule", " & ".join(HEADER) + r" \\", r"\midrule"]
    groups = list(routes.groupby("sweep", sort=False))
    for i, (sweep, rows) in enumerate(groups):
        if len(groups) > 1:
            if i:
                lines.append(r"\addlinespace")
            lines.append(rf"\multicolumn{{6}}{{@{{}}l}}{{\textit{{{latex_escape(str(sweep))}}}}} \\")
        lines += [_row(r) for _, r in rows.iterrows()]
    return [*lines, r"\bottomrule", r"\end{tabular}"]


def routes_latex(rep: Report) -> str:
    """The table, its caption (no provenance path: the notes carry the backbone and data) and its notes."""
    caption = latex_escape(
        "ΔAUC and ΔAUPRC of each route against its baseline: mean over matched seeds, 95% interval with seed "
        f"and test-set variance; verdict at equivalence margin ±{rep.margin_auc:g} AUC; Holm-adjusted p."
    )
    lines = [preamble_comment(), r"\begin{table}", r"\centering", rf"\caption{{{caption}}}", r"\label{tab:routes}"]
    if rep.routes.empty:
        lines.append("% no routes")
    else:
        lines += [r"\small", r"\setlength{\tabcolsep}{4pt}",
                  r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%"]
        lines += _body(rep.routes)
        lines.append("}")
    notes = [latex_escape(n).replace("†", DAGGER) for n in paper_notes(rep)]
    lines += [r"\par\smallskip", r"\parbox{\linewidth}{\footnotesize\raggedright", *(f"{n}\\par" for n in notes), "}"]
    return "\n".join([*lines, r"\end{table}", ""])

"""The report's section across strata (data sets, split kinds): each route's verdict per stratum side by
side, the pooled random-effects ΔAUC with its heterogeneity and verdict, and the ranking of the variants."""

from __future__ import annotations

import math

import pandas as pd

from .formatting import fmt, fmt_delta_ci, fmt_p, markdown_table
from .report import Report
from .verdict_render import verdict_word


def side_by_side(routes: pd.DataFrame) -> pd.DataFrame:
    """One row per route, one column per stratum: verdict and ΔAUC [95% CI]."""
    r = routes[routes["stratum"] != ""]
    cells = {
        (row.pooled_route, row.stratum): f"{verdict_word(row.verdict, row.negligible)}: "
        f"{fmt_delta_ci(row.delta_auc, row.delta_auc_lo, row.delta_auc_hi)}"
        for row in r.itertuples()
    }
    strata = list(dict.fromkeys(r["stratum"]))
    names = dict.fromkeys(r["pooled_route"])
    out = [{"route": name} | {s: cells.get((name, s), "—") for s in strata} for name in names]
    return pd.DataFrame(out)


def pooled_display(pooled: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "route": pooled["route"],
        "strata": pooled["k_strata"].astype(int),
        "pooled ΔAUC [95% CI, Hartung–Knapp]": [
            fmt_delta_ci(d, lo, hi)
            for d, lo, hi in zip(pooled["delta_auc"], pooled["delta_auc_lo"], pooled["delta_auc_hi"], strict=True)
        ],
        "τ²": [fmt(t) for t in pooled["tau2"]],
        "I²": ["—" if math.isnan(i) else f"{100 * i:.0f}%" for i in pooled["i2"]],
        "p (Holm)": [fmt_p(p) for p in pooled["p_delta_auc_holm"]],
        "p TOST (Holm)": [fmt_p(p) for p in pooled["p_tost_auc_holm"]],
        "verdict": [verdict_word(v, n) for v, n in zip(pooled["verdict"], pooled["negligible"], strict=True)],
    })


def strata_section(rep: Report) -> list[str]:
    if rep.pooled is None:
        return []
    lines = [
        "## Across data sets and splits",
        "",
        "Each stratum (data set and split kind) has its own verdicts (above, Holm across every route of every "
        "stratum). Side by side:",
        "",
        markdown_table(side_by_side(rep.routes)),
        "",
        f"Pooled per route: random-effects meta-analysis of the strata's ΔAUC (DerSimonian–Laird τ², "
        f"Hartung–Knapp interval with t on k − 1 df), the same ±{rep.margin_auc:g} margin and verdict rules, "
        "Holm across the routes. τ²: the between-stratum variance of the route's Δ; I²: its share of the "
        "total variability. With 2–3 strata the interval is wide by construction.",
        "",
        markdown_table(pooled_display(rep.pooled)),
        "",
    ]
    if rep.ranking is not None and len(rep.ranking.mean_ranks):
        ranks = ", ".join(f"{name} {rank:.2f}" for name, rank in rep.ranking.mean_ranks.items())
        lines += [
            f"Mean rank of seed-mean test AUC across strata (1 = best): {ranks}. Friedman p = "
            f"{fmt_p(rep.ranking.friedman_p)}; Nemenyi critical difference {fmt(rep.ranking.critical_difference)} "
            f"(mean ranks further apart differ at α = {rep.alpha}).",
            "",
        ]
    return lines

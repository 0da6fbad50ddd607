"""The report's Δ-forest: per route, ΔAUC against its baseline with the primary interval (seeds and test
set) and the ensemble Δ (bootstrap), the ±margin band of equivalence, and each row's verdict.

The axis zooms to the routes' primary intervals and the margin (at least three margins either side of zero,
so the band is always visible); an ensemble interval or a degenerate route's Δ reaching past it is clipped
and marked with an arrow. The verdict is written at each row's right, in its colour."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .conclusion import degenerate_routes
from .plots import BASE_HEIGHT, ENS_COLOR, ROW_HEIGHT, SEED_COLOR, _err, bounded_limits, save_figure
from .verdict import BETTER, EQUIVALENT, WORSE
from .verdict_render import verdict_word

VERDICT_COLORS = {BETTER: "#1a7f37", WORSE: "#c0392b", EQUIVALENT: "#1f5fa8"}  # others: grey
DEGENERATE = "degenerate"
MIN_HALF_WIDTH_IN_MARGINS = 3.0
TITLE_WIDTH = 110  # characters per title line


def zoom_limits(routes: pd.DataFrame, margin: float | None) -> tuple[float, float]:
    """From the counted routes' primary intervals and ±margin (never narrower than 3 margins about 0)."""
    counted = routes.drop(index=degenerate_routes(routes).index) if not routes.empty else routes
    counted = counted if not counted.empty else routes
    values = [*counted[["delta_auc", "delta_auc_lo", "delta_auc_hi"]].to_numpy(dtype=float).ravel()]
    values += list(counted["ens_delta_auc"].to_numpy(dtype=float))
    half = MIN_HALF_WIDTH_IN_MARGINS * (margin or 0.0)
    return bounded_limits([*values, -half, half], -1.0, 1.0)


def _verdict_of(r: pd.Series, degenerate: bool) -> str:
    return DEGENERATE if degenerate else verdict_word(r["verdict"], r.get("negligible", False))


def _clip_marks(ax: Axes, xs: list[float], y: float, lo: float, hi: float, color: str) -> None:
    """An arrow at the axis edge for every value past it."""
    for x in xs:
        if math.isfinite(x) and x < lo:
            ax.plot(lo, y, marker="<", color=color, ms=7, clip_on=False)
        elif math.isfinite(x) and x > hi:
            ax.plot(hi, y, marker=">", color=color, ms=7, clip_on=False)


def delta_forest_plot(routes: pd.DataFrame, path: Path, title: str = "", margin: float | None = None) -> None:
    """``routes``: the report's route table (ROUTE_COLUMNS)."""
    n = len(routes)
    fig = Figure(
        figsize=(10, BASE_HEIGHT + ROW_HEIGHT * n), layout="constrained"
    )
    ax = fig.subplots()
    y_pos = np.arange(n)[::-1]
    lo, hi = zoom_limits(routes, margin) if n else (-1.0, 1.0)
    bad = set(degenerate_routes(routes).index) if n else set()
    if margin:
        ax.axvspan(-margin, margin, color="#f2c744", alpha=0.35, lw=0, label=f"equivalence margin ±{margin:g}")
        for edge in (-margin, margin):
            ax.axvline(edge, color="#b8860b", ls="--", lw=1)
    ax.axvline(0.0, color="black", lw=1)
    for y, (idx, r) in zip(y_pos, routes.iterrows(), strict=True):
        first = y == y_pos[0]
        ax.errorbar(r["delta_auc"], y + 0.15, xerr=_err(r["delta_auc"], r["delta_auc_lo"], r["delta_auc_hi"]),
                    fmt="o", color=SEED_COLOR, capsize=3,
                    label="Δ seed mean, 95% CI (seeds + test set)" if first else None)
        ax.errorbar(r["ens_delta_auc"], y - 0.15,
                    xerr=_err(r["ens_delta_auc"], r["ens_delta_auc_lo"], r["ens_delta_auc_hi"]),
                    fmt="D", color=ENS_COLOR, capsize=3, label="Δ ensemble, 95% bootstrap CI" if first else None)
        _clip_marks(ax, [r["delta_auc"], r["delta_auc_lo"], r["delta_auc_hi"]], y + 0.15, lo, hi, SEED_COLOR)
        _clip_marks(ax, [r["ens_delta_auc"], r["ens_delta_auc_lo"], r["ens_delta_auc_hi"]], y - 0.15, lo, hi,
                    ENS_COLOR)
        word = _verdict_of(r, idx in bad)
        ax.annotate(word, (1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize="small",
                    fontweight="bold", color=VERDICT_COLORS.get(str(r["verdict"]), "0.4") if idx not in bad else "0.4")
    ax.set_xlim(lo, hi)
    ax.set_yticks(y_pos, list(routes["route"]))
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("Δ test ROC AUC vs the route's baseline (verdict at the right)")
    ax.grid(axis="x", alpha=0.3)
    if n:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize="small")
    if title:
        fig.suptitle(textwrap.fill(title, TITLE_WIDTH), fontsize="medium")
    save_figure(fig, path)

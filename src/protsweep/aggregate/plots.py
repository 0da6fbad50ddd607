"""Figures from DataFrames and arrays (matplotlib, Agg canvas; pyplot's global state is not touched)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from .columns import METRICS
from .metrics import pr_points, roc_points
from .palette import style_of, variant_styles

SEED_COLOR = "#1f77b4"
ENS_COLOR = "#d62728"
METRIC_TITLES = {"auc": "test ROC AUC", "auprc": "test AUPRC"}
ROW_HEIGHT = 0.45  # inches per variant row
BASE_HEIGHT = 2.6  # inches for titles and the legend


def save_figure(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=130, bbox_inches="tight")


def _err(center: float, lo: float, hi: float) -> list[list[float]] | None:
    if any(math.isnan(v) for v in (center, lo, hi)):
        return None
    # a percentile limit may sit a rounding error on the wrong side of its point (a constant predictor)
    return [[max(0.0, center - lo)], [max(0.0, hi - center)]]


def bounded_limits(values: Iterable[float], lower: float, upper: float, pad: float = 0.05) -> tuple[float, float]:
    """Axis limits around the finite ``values``, padded, never beyond [lower, upper]."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return lower, upper
    lo, hi = float(v.min()), float(v.max())
    margin = max(pad * (hi - lo), 0.01 * (upper - lower))
    return max(lower, lo - margin), min(upper, hi + margin)


def _metric_values(summary: pd.DataFrame, per_run: pd.DataFrame, metric: str) -> list[float]:
    cols = [f"{metric}_mean", f"{metric}_ci_lo", f"{metric}_ci_hi", f"ens_{metric}", f"ens_{metric}_lo"]
    cols.append(f"ens_{metric}_hi")
    return [*summary[cols].to_numpy(dtype=float).ravel(), *per_run[metric].to_numpy(dtype=float)]


def _forest_axis(ax: Axes, summary: pd.DataFrame, per_run: pd.DataFrame, metric: str, y_pos: NDArray) -> None:
    for y, (_, r) in zip(y_pos, summary.iterrows(), strict=True):
        first = y == y_pos[0]
        seeds = per_run.loc[per_run["variant"] == r["variant"], metric].to_numpy(dtype=float)
        ax.plot(
            seeds,
            np.full(seeds.size, y + 0.15),
            "o",
            ms=3,
            color="0.6",
            zorder=1,
            label="single seeds" if first else None,
        )
        ax.errorbar(
            r[f"{metric}_mean"],
            y + 0.15,
            xerr=_err(r[f"{metric}_mean"], r[f"{metric}_ci_lo"], r[f"{metric}_ci_hi"]),
            fmt="o",
            color=SEED_COLOR,
            capsize=3,
            label="seed mean, 95% t-CI" if first else None,
        )
        ax.errorbar(
            r[f"ens_{metric}"],
            y - 0.15,
            xerr=_err(r[f"ens_{metric}"], r[f"ens_{metric}_lo"], r[f"ens_{metric}_hi"]),
            fmt="D",
            color=ENS_COLOR,
            capsize=3,
            label="ensemble, 95% bootstrap CI" if first else None,
        )
    base = summary[summary["baseline"]]
    if not base.empty:
        ax.axvline(float(base[f"{metric}_mean"].iloc[0]), color=SEED_COLOR, ls="--", lw=1, label="baseline seed mean")
        ax.axvline(float(base[f"ens_{metric}"].iloc[0]), color=ENS_COLOR, ls=":", lw=1, label="baseline ensemble")
    ax.set_xlim(*bounded_limits(_metric_values(summary, per_run, metric), 0.0, 1.0))
    ax.set_title(METRIC_TITLES.get(metric, metric))
    ax.grid(axis="x", alpha=0.3)


def forest_plot(summary: pd.DataFrame, per_run: pd.DataFrame, title: str, path: Path) -> None:
    """Per variant: seeds (dots), seed mean with 95% t-interval, ensemble with 95% bootstrap interval.

    ``summary`` and ``per_run`` are the aggregator's tables (columns.SUMMARY_COLUMNS, PER_RUN_COLUMNS)."""
    n = len(summary)
    fig = Figure(figsize=(11, BASE_HEIGHT + ROW_HEIGHT * n), layout="constrained")
    axes = fig.subplots(1, len(METRICS), sharey=True)
    y_pos = np.arange(n)[::-1]
    used = per_run[per_run["used"].astype(bool)]
    for ax, metric in zip(axes, METRICS, strict=True):
        _forest_axis(ax, summary, used, metric, y_pos)
    labels = [f"{v}{' (baseline)' if b else ''}" for v, b in zip(summary["variant"], summary["baseline"], strict=True)]
    axes[0].set_yticks(y_pos, labels)
    axes[0].set_ylim(-0.7, n - 0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize="small")
    fig.suptitle(f"{title}: per-variant test metrics")
    save_figure(fig, path)


Curves = Mapping[str, tuple[NDArray[np.int8], NDArray[np.float64]]]


def ensemble_legend_stats(summary: pd.DataFrame) -> dict[str, str]:
    """Variant -> "AUC x [lo, hi] · AUPRC y [lo, hi]" of its seed ensemble (bootstrap 95% intervals), the
    numbers the ROC/PR legend carries."""

    def one(r: pd.Series, metric: str) -> str:
        v, lo, hi = (float(r[c]) for c in (f"ens_{metric}", f"ens_{metric}_lo", f"ens_{metric}_hi"))
        if math.isnan(v):
            return f"{metric.upper()} n/a"
        interval = "" if math.isnan(lo) or math.isnan(hi) else f" [{lo:.3f}, {hi:.3f}]"
        return f"{metric.upper()} {v:.3f}{interval}"

    return {str(r["variant"]): f"{one(r, 'auc')} · {one(r, 'auprc')}" for _, r in summary.iterrows()}


def roc_pr_plot(
    curves: Curves,
    baseline: str | None,
    prevalence: float,
    title: str,
    path: Path,
    styles: dict[str, dict[str, Any]] | None = None,
    legend_stats: Mapping[str, str] | None = None,
) -> None:
    """ROC and precision-recall curves: ``curves`` maps a label to (labels, scores) of its ensemble;
    ``styles`` (palette.variant_styles) keeps each variant's colour across figures, ``legend_stats`` adds
    each variant's AUC and AUPRC with their intervals to its legend entry."""
    fig = Figure(figsize=(11, 5 + 0.25 * max(len(curves) - 6, 0)), layout="constrained")
    ax_roc, ax_pr = fig.subplots(1, 2)
    styles = styles if styles is not None else variant_styles(curves, baseline)
    for label, (y, p) in curves.items():
        style = style_of(styles, label, baseline)
        name = f"{label} (baseline)" if label == baseline else label
        if legend_stats and label in legend_stats:
            name = f"{name}: {legend_stats[label]}"
        fpr, tpr = roc_points(p, y)
        ax_roc.plot(fpr, tpr, label=name, **style)
        recall, precision = pr_points(p, y)
        ax_pr.step(recall, precision, where="pre", **style)
    ax_roc.plot([0, 1], [0, 1], color="0.7", ls="--", lw=1)
    ax_roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (seed ensembles)")
    ax_roc.set(xlim=(0, 1), ylim=(0, 1.02))
    if not math.isnan(prevalence):
        ax_pr.axhline(prevalence, color="0.7", ls="--", lw=1)
    ax_pr.set(
        xlabel="recall", ylabel="precision", title="precision-recall (seed ensembles)", xlim=(0, 1), ylim=(0, 1.02)
    )
    fig.legend(
        *ax_roc.get_legend_handles_labels(),
        loc="outside lower center",
        ncol=min(2 if legend_stats else 3, max(len(curves), 1)),
        fontsize="small",
    )
    fig.suptitle(title)
    save_figure(fig, path)

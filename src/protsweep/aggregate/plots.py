"""Figures (matplotlib, Agg canvas; pyplot's global state is not touched)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .metrics import pr_points, roc_points

if TYPE_CHECKING:
    from .api import Results

SEED_COLOR = "#1f77b4"
ENS_COLOR = "#d62728"


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=130, bbox_inches="tight")


def _err(center: float, lo: float, hi: float) -> list[list[float]] | None:
    if any(math.isnan(v) for v in (center, lo, hi)):
        return None
    return [[center - lo], [hi - center]]


def forest_plot(results: Results, path: Path) -> None:
    """Per variant: seeds (dots), seed mean with 95% t-interval, ensemble with 95% bootstrap interval."""
    s = results.summary
    n = len(s)
    fig = Figure(figsize=(11, 1.8 + 0.45 * max(n, 2)), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    y_pos = np.arange(n)[::-1]
    per_run = results.per_run[results.per_run["used"]]
    for ax, metric, title in ((axes[0], "auc", "test ROC AUC"), (axes[1], "auprc", "test AUPRC")):
        for y, (_, r) in zip(y_pos, s.iterrows(), strict=True):
            seeds = per_run.loc[per_run["variant"] == r["variant"], metric].to_numpy(dtype=float)
            ax.plot(
                seeds,
                np.full(seeds.size, y + 0.15),
                "o",
                ms=3,
                color="0.6",
                zorder=1,
                label="single seeds" if y == y_pos[0] else None,
            )
            err = _err(r[f"{metric}_mean"], r[f"{metric}_ci_lo"], r[f"{metric}_ci_hi"])
            ax.errorbar(
                r[f"{metric}_mean"],
                y + 0.15,
                xerr=err,
                fmt="o",
                color=SEED_COLOR,
                capsize=3,
                label="seed mean, 95% t-CI" if y == y_pos[0] else None,
            )
            err = _err(r[f"ens_{metric}"], r[f"ens_{metric}_lo"], r[f"ens_{metric}_hi"])
            ax.errorbar(
                r[f"ens_{metric}"],
                y - 0.15,
                xerr=err,
                fmt="D",
                color=ENS_COLOR,
                capsize=3,
                label="ensemble, 95% bootstrap CI" if y == y_pos[0] else None,
            )
        base = s[s["baseline"]]
        if not base.empty:
            ax.axvline(
                float(base[f"{metric}_mean"].iloc[0]),
                color=SEED_COLOR,
                ls="--",
                lw=1,
                label="baseline seed mean",
            )
            ax.axvline(
                float(base[f"ens_{metric}"].iloc[0]), color=ENS_COLOR, ls=":", lw=1, label="baseline ensemble"
            )
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    labels = [f"{v}{' (baseline)' if b else ''}" for v, b in zip(s["variant"], s["baseline"], strict=True)]
    axes[0].set_yticks(y_pos, labels)
    axes[0].set_ylim(-0.7, n - 0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=5, fontsize="small")
    fig.suptitle(f"{results.name}: per-variant test metrics")
    _save(fig, path)


def roc_pr_plot(results: Results, path: Path) -> None:
    """ROC and precision-recall curves of each variant's seed ensemble."""
    fig = Figure(figsize=(11, 5), layout="constrained")
    ax_roc, ax_pr = fig.subplots(1, 2)
    base_label = results.baseline
    prevalence = results.n_pos / results.n_test if results.n_test else math.nan
    for label, (y, p) in results.curves.items():
        is_base = label == base_label
        style = {"color": "black", "lw": 2.0} if is_base else {"lw": 1.2}
        name = f"{label} (baseline)" if is_base else label
        fpr, tpr = roc_points(p, y)
        ax_roc.plot(fpr, tpr, label=name, **style)
        recall, precision = pr_points(p, y)
        ax_pr.step(recall, precision, where="pre", label=name, **style)
    ax_roc.plot([0, 1], [0, 1], color="0.7", ls="--", lw=1)
    ax_roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (seed ensembles)")
    if not math.isnan(prevalence):
        ax_pr.axhline(prevalence, color="0.7", ls="--", lw=1)
    ax_pr.set(xlabel="recall", ylabel="precision", title="precision-recall (seed ensembles)", ylim=(0, 1.02))
    ax_roc.legend(loc="lower right", fontsize="small")
    fig.suptitle(results.name)
    _save(fig, path)


def delta_forest_plot(routes: pd.DataFrame, path: Path) -> None:
    """Report figure: per route, ΔAUC vs its baseline (seeds, t-CI) and ensemble Δ (bootstrap CI)."""
    n = len(routes)
    fig = Figure(figsize=(9, 1.8 + 0.45 * max(n, 2)), layout="constrained")
    ax = fig.subplots()
    y_pos = np.arange(n)[::-1]
    for y, (_, r) in zip(y_pos, routes.iterrows(), strict=True):
        err = _err(r["delta_auc"], r["delta_auc_ci_lo"], r["delta_auc_ci_hi"])
        ax.errorbar(
            r["delta_auc"],
            y + 0.15,
            xerr=err,
            fmt="o",
            color=SEED_COLOR,
            capsize=3,
            label="Δ seed mean, 95% t-CI" if y == y_pos[0] else None,
        )
        err = _err(r["ens_delta_auc"], r["ens_delta_auc_lo"], r["ens_delta_auc_hi"])
        ax.errorbar(
            r["ens_delta_auc"],
            y - 0.15,
            xerr=err,
            fmt="D",
            color=ENS_COLOR,
            capsize=3,
            label="Δ ensemble, 95% bootstrap CI" if y == y_pos[0] else None,
        )
    ax.axvline(0.0, color="black", lw=1)
    ax.set_yticks(y_pos, list(routes["route"]))
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("Δ test ROC AUC vs the route's baseline")
    ax.grid(axis="x", alpha=0.3)
    if n:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize="small")
    _save(fig, path)

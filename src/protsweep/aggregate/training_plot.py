"""Training curves per variant: mean over seeds with the min–max range, from history.csv."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from .plots import save_figure

# history.csv columns plotted, with their axis titles
CURVES = {"val_auc": "validation ROC AUC", "val_loss": "validation loss", "loss": "training loss"}


def curve_stats(history: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per epoch step (over all stages): mean, min and max over the seeds that reached it, and their count."""
    values = history[["step", column]].dropna()
    return values.groupby("step")[column].agg(["mean", "min", "max", "count"]).reset_index()


def training_curves_plot(histories: Mapping[str, pd.DataFrame], baseline: str | None, title: str, path: Path) -> None:
    """One panel per recorded quantity; a line (mean) and a band (range over seeds) per variant."""
    columns = [c for c in CURVES if any(c in h.columns and h[c].notna().any() for h in histories.values())]
    fig = Figure(figsize=(4.2 * max(len(columns), 1), 4.4 + 0.2 * max(len(histories) - 6, 0)), layout="constrained")
    axes = fig.subplots(1, max(len(columns), 1), squeeze=False)[0]
    for ax, column in zip(axes, columns, strict=False):
        for label, history in histories.items():
            if column not in history.columns:
                continue
            st = curve_stats(history, column)
            is_base = label == baseline
            line = ax.plot(
                st["step"], st["mean"], marker="o", ms=3, lw=2.0 if is_base else 1.2, color="black" if is_base else None
            )[0]
            ax.fill_between(st["step"], st["min"], st["max"], color=line.get_color(), alpha=0.18, lw=0)
            ax.vlines(st["step"], st["min"], st["max"], color=line.get_color(), alpha=0.5, lw=1)  # seen at 1 epoch
            line.set_label(f"{label} (baseline)" if is_base else label)
        ax.set(xlabel="epoch (all stages)", title=CURVES[column])
        ax.grid(alpha=0.3)
    if columns:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize="small")
    fig.suptitle(f"{title}: training curves (mean, range over seeds)", fontsize="medium")
    save_figure(fig, path)

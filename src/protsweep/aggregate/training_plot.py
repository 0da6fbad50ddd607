"""Training curves per variant: mean over seeds with the min–max range, from history.csv.

Stages (ProteinBERT's frozen, then full) sit one after the other on one epoch axis, each stage's epochs
averaged with the same stage's epochs only, and the stage boundaries are drawn. Losses of different kinds
(focal about 0.1, BCE about 0.7) never share an axis: each loss kind gets its own panel, titled with it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .history import LOSS_KIND
from .palette import style_of, variant_styles
from .plots import save_figure

# history.csv columns plotted, with their axis titles
CURVES = {"val_auc": "validation ROC AUC", "val_loss": "validation loss", "loss": "training loss"}
LOSS_COLUMNS = ("val_loss", "loss")  # their scale depends on the loss function
STAGE, EPOCH = "stage", "epoch"


def stage_offsets(histories: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    """Stage -> epochs before it on the shared axis (the longest run of each earlier stage), in stage order."""
    lengths: dict[str, int] = {}
    for h in histories.values():
        if STAGE not in h.columns or EPOCH not in h.columns:
            continue
        for stage, rows in h.groupby(STAGE, sort=False):
            lengths[str(stage)] = max(lengths.get(str(stage), 0), int(rows.groupby("seed").size().max()))
    offsets, total = {}, 0
    for stage, n in lengths.items():
        offsets[stage], total = total, total + n
    return offsets


def _positions(history: pd.DataFrame, offsets: Mapping[str, int]) -> pd.Series:
    """Each row's place on the shared axis: its stage's offset plus its epoch's rank within the stage."""
    if STAGE not in history.columns or EPOCH not in history.columns or not offsets:
        return history["step"]
    rank = history.groupby(["seed", STAGE], sort=False).cumcount() + 1
    return history[STAGE].astype(str).map(offsets).fillna(0).astype(int) + rank


def curve_stats(history: pd.DataFrame, column: str, offsets: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Per epoch of each stage (``step``: its place on the shared axis): mean, min and max over the seeds that
    reached it, and their count; epochs of different stages are never averaged together."""
    offsets = stage_offsets({"": history}) if offsets is None else offsets
    values = history.assign(step=_positions(history, offsets))[["step", column]].dropna()
    return values.groupby("step")[column].agg(["mean", "min", "max", "count"]).reset_index()


def _panels(histories: Mapping[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """(column, loss kind) per panel: a loss column split by loss kind when the variants use several."""
    panels = []
    for column in CURVES:
        present = [h for h in histories.values() if column in h.columns and h[column].notna().any()]
        if not present:
            continue
        kinds = sorted({str(k) for h in present for k in h.get(LOSS_KIND, pd.Series([""])).unique()})
        if column in LOSS_COLUMNS and len(kinds) > 1:
            panels += [(column, kind) for kind in kinds]
        else:
            panels.append((column, ""))
    return panels


def _rows(history: pd.DataFrame, kind: str) -> pd.DataFrame:
    return history if not kind or LOSS_KIND not in history.columns else history[history[LOSS_KIND] == kind]


def training_curves_plot(
    histories: Mapping[str, pd.DataFrame],
    baseline: str | None,
    title: str,
    path: Path,
    styles: dict[str, dict[str, Any]] | None = None,
) -> None:
    """One panel per recorded quantity (per loss kind for losses); a line (mean) and a band (range over
    seeds) per variant, in the variant's colour (``styles``: palette.variant_styles, shared with the sweep's
    other figures); dotted vertical lines mark where a stage ends."""
    styles = styles if styles is not None else variant_styles(histories, baseline)
    panels = _panels(histories)
    offsets = stage_offsets(histories)
    fig = Figure(figsize=(4.2 * max(len(panels), 1), 4.4 + 0.2 * max(len(histories) - 6, 0)), layout="constrained")
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
    for ax, (column, kind) in zip(axes, panels, strict=False):
        last_step = 1
        for label, history in histories.items():
            rows = _rows(history, kind)
            if column not in rows.columns or rows[column].isna().all():
                continue
            st = curve_stats(rows, column, offsets)
            last_step = max(last_step, int(st["step"].max()))
            line = ax.plot(st["step"], st["mean"], marker="o", ms=3, **style_of(styles, label, baseline))[0]
            ax.fill_between(st["step"], st["min"], st["max"], color=line.get_color(), alpha=0.18, lw=0)
            ax.vlines(st["step"], st["min"], st["max"], color=line.get_color(), alpha=0.5, lw=1)  # seen at 1 epoch
            line.set_label(f"{label} (baseline)" if label == baseline else label)
        for stage, start in offsets.items():
            if start:
                ax.axvline(start + 0.5, color="0.5", ls=":", lw=1)
            ax.annotate(stage, (start + 0.6, 1.0), xycoords=("data", "axes fraction"), va="top", fontsize="x-small",
                        color="0.35")
        ax.set_xlim(0.4, last_step + 0.6)  # every epoch and stage label inside, a single epoch included
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        stages = " → ".join(offsets) if offsets else "all stages"
        ax.set(xlabel=f"epoch ({stages})", title=CURVES[column] + (f" — {kind} loss only" if kind else ""))
        ax.grid(alpha=0.3)
    if panels:
        handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=3, fontsize="small")
    fig.suptitle(f"{title}: training curves (mean, range over seeds)", fontsize="medium")
    save_figure(fig, path)

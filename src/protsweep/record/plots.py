"""``curves.png``: one run's training curves from its history.csv (loss and val loss, val AUC, learning rate
per epoch; each stage's first epoch marked). Matplotlib's Agg canvas; pyplot's global state is not touched.
Matplotlib is imported when a figure is drawn, not with this module: the model store imports it, and
``protsweep-predict`` (which reads that store) draws nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from protsweep.atomic import write_atomic
from protsweep.record.contract import HISTORY_COLUMNS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CURVES_PNG = "curves.png"
#: panel title -> the history columns drawn in it
PANELS: dict[str, tuple[str, ...]] = {"loss": ("loss", "val_loss"), "val AUC": ("val_auc",), "learning rate": ("lr",)}


def stage_starts(stages: pd.Series) -> list[tuple[int, str]]:
    """(position, stage name) of the first epoch of each stage, in history order."""
    names = stages.astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]]) if names.size else np.array([], dtype=int)
    return [(int(i), str(names[i])) for i in starts]


def _panel(ax: Axes, x: np.ndarray, history: pd.DataFrame, title: str, columns: tuple[str, ...]) -> None:
    from matplotlib.ticker import MaxNLocator

    for column in columns:
        values = pd.to_numeric(history[column], errors="coerce").to_numpy(dtype=float)
        ax.plot(x, values, marker="o", markersize=3, label=column)
    positive = pd.to_numeric(history[list(columns)].stack(), errors="coerce")
    if title == "learning rate" and len(positive) and (positive > 0).all():
        ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("epoch (all stages)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(columns) > 1:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def curves_figure(history: pd.DataFrame, title: str = "") -> Figure:
    """Three panels over the run's epochs in order; dashed lines where a stage begins, named at the top."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 3.4))
    x = np.arange(1, len(history) + 1)
    starts = stage_starts(history["stage"]) if len(history) else []
    for ax, (panel, columns) in zip(fig.subplots(1, len(PANELS)), PANELS.items(), strict=True):
        _panel(ax, x, history, panel, columns)
        for position, stage in starts:
            ax.axvline(position + 0.5, color="grey", linestyle="--", linewidth=0.8)
            ax.annotate(stage, (position + 0.6, 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                        va="top", color="grey")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def write_curves(history_csv: Path, out: Path, title: str | None = None) -> Path:
    """Plot ``history_csv`` (columns :data:`HISTORY_COLUMNS`) into ``out``, atomically. An empty history
    gives empty panels, so a run always has its figure."""
    history = (
        pd.read_csv(history_csv) if Path(history_csv).is_file() and Path(history_csv).stat().st_size
        else pd.DataFrame(columns=HISTORY_COLUMNS)
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = curves_figure(history, Path(history_csv).parent.name if title is None else title)
    FigureCanvasAgg(fig)
    return write_atomic(out, lambda tmp: fig.savefig(tmp, format="png", dpi=110))

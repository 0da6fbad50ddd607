"""The reliability diagram of a sweep (``calibration.png``): one panel per variant, in the variant's own
colour (palette.py). Each seed is a thin line, the seed ensemble (mean probability) a thick one; raw scores
(``prob_raw``) dashed, calibrated probabilities (``prob``) solid where a calibrator was fitted. Points are
scikit-learn's ``calibration_curve`` (equal-width bins): observed positive rate against mean prediction."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve

from .calibration_table import N_BINS, Ensemble
from .palette import style_of, variant_styles
from .plots import save_figure

SEED_LW, ENSEMBLE_LW = 0.8, 2.4
SEED_ALPHA = 0.45
KIND_STYLE = {"raw": ("--", "o"), "calibrated": ("-", "s")}  # line style, ensemble marker


def _curve(ax: Axes, labels: np.ndarray, probs: np.ndarray, color: str, kind: str, seed: bool, name: str) -> None:
    frac, mean_pred = calibration_curve(labels, probs, n_bins=N_BINS, strategy="uniform")
    ls, marker = KIND_STYLE[kind]
    if seed:
        ax.plot(mean_pred, frac, ls=ls, color=color, lw=SEED_LW, alpha=SEED_ALPHA, label=name)
    else:
        ax.plot(mean_pred, frac, ls=ls, marker=marker, ms=3.5, color=color, lw=ENSEMBLE_LW, label=name)


def _panel(ax: Axes, ens: Ensemble, color: str) -> None:
    ax.plot([0, 1], [0, 1], color="0.6", ls=":", lw=1)
    kinds = [("raw", ens.seeds_raw, ens.raw)]
    if ens.fitted:
        kinds.append(("calibrated", ens.seeds_calibrated, ens.calibrated))
    for kind, seeds, mean in kinds:
        column = "prob_raw" if kind == "raw" else "prob"
        for i, probs in enumerate(seeds):
            _curve(ax, ens.labels, probs, color, kind, True, f"seeds, {kind}" if i == 0 else "_nolegend_")
        _curve(ax, ens.labels, mean, color, kind, False, f"ensemble, {kind} ({column})")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.legend(fontsize="x-small", loc="upper left")
    ax.grid(alpha=0.3)


def reliability_plot(ensembles: dict[str, Ensemble], baseline: str | None, title: str, path: Path,
                     styles: dict[str, dict[str, Any]] | None = None) -> None:
    """One panel per variant (calibration_table.calibration_table's ensembles), four to a row."""
    styles = styles if styles is not None else variant_styles(ensembles, baseline)
    n = max(len(ensembles), 1)
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(3.3 * ncols, 3.2 * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)).ravel()
    for ax, (label, ens) in zip(axes, ensembles.items(), strict=False):
        _panel(ax, ens, style_of(styles, label, baseline)["color"])
        ax.set_title(f"{label} (baseline)" if label == baseline else label, fontsize="small")
    for ax in axes[len(ensembles):]:
        ax.set_visible(False)
    fig.supxlabel(f"mean predicted probability per bin ({N_BINS} equal-width bins)", fontsize="small")
    fig.supylabel("observed positive rate", fontsize="small")
    fig.suptitle(f"{title}: reliability (test; thin: seeds, thick: seed ensemble)", fontsize="medium")
    save_figure(fig, path)

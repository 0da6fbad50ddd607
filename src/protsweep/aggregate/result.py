"""What ``aggregate()`` returns: tables and values only. Renderers, plots and writers read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .provenance import Provenance


@dataclass
class Results:
    per_run: pd.DataFrame  # one row per run directory (columns.PER_RUN_COLUMNS)
    summary: pd.DataFrame  # one row per variant, baseline first (columns.SUMMARY_COLUMNS + comparison columns)
    coverage: pd.DataFrame  # seeds expected / completed / missing / failed / degenerate per variant
    comparisons: pd.DataFrame  # each variant against the baseline (columns.COMPARISON_COLUMNS)
    variants: pd.DataFrame  # legend: label -> the full override set (columns.VARIANT_LEGEND_COLUMNS)
    splits: pd.DataFrame  # split sizes and the small-sample flag (columns.SPLIT_COLUMNS)
    warnings: list[str]  # what the numbers cannot carry: degenerate runs, small splits
    problems: list[str]  # the warnings first, then every other problem met while reading the runs
    dirs: list[Path]
    name: str
    baseline: str | None  # label of the baseline variant
    baseline_spec: dict[str, Any]
    n_boot: int
    seed: int
    test_fingerprint: str
    n_test: int
    n_pos: int
    min_class_count: int
    exclude_degenerate: bool
    split_notes: list[str] = field(default_factory=list)  # e.g. what a cold split kept
    reference: dict[str, Any] | None = None  # the runs' data.reference, overlaid by a root `reference` block
    provenance: Provenance | None = None  # pretrained or random-init backbone, dataset
    # label -> (labels, ensemble probabilities over all the variant's seeds), for the ROC/PR plot
    curves: dict[str, tuple[NDArray[np.int8], NDArray[np.float64]]] = field(default_factory=dict)
    # label -> per-epoch history.csv rows of every counted seed (columns: seed, stage, epoch, ...)
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)
    best_basis: str = "validation AUC"  # what chose the ★ variant (summary.best_basis)
    margin_auc: float = 0.01
    alpha: float = 0.05

    @property
    def prevalence(self) -> float:
        return self.n_pos / self.n_test if self.n_test else float("nan")

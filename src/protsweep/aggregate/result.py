"""What ``aggregate()`` returns: tables and values only. Renderers, plots and writers read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

PRETRAINED = "pretrained"
RANDOM_INIT = "random-init"
UNKNOWN = "unrecorded-init"  # reads "unrecorded-init backbone" in a caption, as "random-init backbone"


@dataclass(frozen=True)
class Provenance:
    inits: tuple[str, ...]  # distinct backbone inits over the runs, sorted
    datasets: tuple[str, ...]  # distinct data.name values
    sources: tuple[str, ...]  # distinct run.json data.source values
    bases: tuple[str, ...] = ()  # distinct ``base=`` choices: the variant every arm was stacked on
    n_reused: int = 0  # counted runs copied from an earlier run of the same config (run.json reused_from)
    weights: tuple[str, ...] = ()  # file names of the pretrained weights loaded (run.json "loaded <path>")
    versions: tuple[tuple[str, str], ...] = ()  # (package, its distinct run.json versions joined by " / "), sorted

    @property
    def random_init(self) -> bool:
        return RANDOM_INIT in self.inits

    def line(self) -> str:
        """One line for a table caption or plot title, e.g. ``pretrained backbone · data: hemolysis``."""
        init = " + ".join(self.inits) if self.inits else UNKNOWN
        data = ", ".join(self.datasets) or "unknown dataset"
        # the source's file name only: no absolute path in any table or caption
        names = tuple(sorted({PurePath(s).name for s in self.sources}))
        src = f" ({', '.join(names)})" if names and names != self.datasets else ""
        base = f" · on base {', '.join(self.bases)}" if self.bases else ""
        reused = f" · {self.n_reused} run(s) reused from earlier sweeps" if self.n_reused else ""
        return f"{init} backbone · data: {data}{src}{base}{reused}"

    def warning(self) -> str | None:
        if not self.random_init:
            return None
        return (
            "RANDOM-INIT backbone: these results do not reflect a pretrained model "
            "(no pretrained weights were loaded); do not compare them with pretrained references"
        )


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
    # calibration_table.calibration_table: Brier and ECE per variant (calibrated and raw) and the test
    # probabilities behind the reliability diagram (label -> calibration_table.Ensemble)
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliability: dict[str, Any] = field(default_factory=dict)
    # label -> per-epoch history.csv rows of every counted seed (columns: seed, stage, epoch, ...)
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)
    best_basis: str = "validation AUC"  # what chose the ★ variant (summary.best_basis)
    margin_auc: float = 0.01
    alpha: float = 0.05
    verdict_basis: str = ""  # how many examples and positives the verdict rests on (and folds)
    # the baseline's "sequence similarity alone" reference and leakage shares (aggregate.similarity)
    similarity: Any = None

    @property
    def prevalence(self) -> float:
        return self.n_pos / self.n_test if self.n_test else float("nan")

"""Calibration of each variant on the test split: Brier and ECE per seed (mean ± sd over seeds) and of the
seed ensemble (the mean probability over seeds), on the calibrated ``prob`` and on the raw ``prob_raw``;
the calibrated ones also join the summary table (``with_calibration``). Brier and ECE are the run record's
own definitions (``protsweep.calibration.metrics``), recomputed from each counted run's predictions.csv."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from protsweep.calibration.metrics import calibration_metrics
from protsweep.record.contract import PREDICTIONS_CSV, PROB_COLUMN, RAW_SCORE_COLUMN

from .columns import CALIBRATION_SUMMARY_COLUMNS
from .formatting import markdown_table

N_BINS = 10
KINDS = {"": PROB_COLUMN, "_raw": RAW_SCORE_COLUMN}  # column suffix -> predictions.csv column
CALIBRATION_CSV, CALIBRATION_PNG = "calibration.csv", "calibration.png"


@dataclass
class Ensemble:
    """One variant's test probabilities on the ids every seed scored: per seed and their mean."""

    labels: np.ndarray
    raw: np.ndarray  # mean prob_raw over seeds
    calibrated: np.ndarray  # mean prob over seeds
    fitted: bool  # a calibrator changed at least one probability
    seeds_raw: list[np.ndarray] = field(default_factory=list)  # each seed's prob_raw (same rows as labels)
    seeds_calibrated: list[np.ndarray] = field(default_factory=list)  # each seed's prob


def _test_rows(run_dir: str) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(Path(run_dir) / PREDICTIONS_CSV, dtype={"id": str})
    except (OSError, ValueError):
        return None
    if not {"split", "id", "label", PROB_COLUMN}.issubset(frame.columns):
        return None
    rows = frame[frame["split"].astype(str) == "test"]
    if RAW_SCORE_COLUMN not in rows.columns:
        rows = rows.assign(**{RAW_SCORE_COLUMN: rows[PROB_COLUMN]})
    return rows[["id", "label", PROB_COLUMN, RAW_SCORE_COLUMN]].set_index("id").sort_index()


def calibration_table(per_run: pd.DataFrame, n_bins: int = N_BINS) -> tuple[pd.DataFrame, dict[str, Ensemble]]:
    """One row per variant (order of ``per_run``): ``{brier,ece}{,_raw}_{mean,sd}``, ``ens_{brier,ece}{,_raw}``."""
    rows: list[dict[str, Any]] = []
    ensembles: dict[str, Ensemble] = {}
    used = per_run[per_run["used"].astype(bool)]
    for variant, runs in used.groupby("variant", sort=False):
        parts = [p for p in (_test_rows(d) for d in runs["run_dir"]) if p is not None and not p.empty]
        if not parts:
            continue
        row: dict[str, Any] = {"variant": variant, "n_seeds": len(parts)}
        for suffix, column in KINDS.items():
            per_seed = pd.DataFrame([calibration_metrics(p["label"], p[column], n_bins) for p in parts])
            for metric in per_seed.columns:
                row[f"{metric}{suffix}_mean"] = float(per_seed[metric].mean())
                row[f"{metric}{suffix}_sd"] = float(per_seed[metric].std(ddof=1)) if len(parts) > 1 else math.nan
        common = parts[0].index
        for p in parts[1:]:
            common = common.intersection(p.index)
        labels = parts[0].loc[common, "label"].to_numpy(dtype=int)
        mean = {c: np.mean([p.loc[common, c].to_numpy(dtype=float) for p in parts], axis=0) for c in KINDS.values()}
        for suffix, column in KINDS.items():
            for metric, value in calibration_metrics(labels, mean[column], n_bins).items():
                row[f"ens_{metric}{suffix}"] = value
        fitted = any(not np.allclose(p[PROB_COLUMN], p[RAW_SCORE_COLUMN]) for p in parts)
        per_seed_probs = {c: [p.loc[common, c].to_numpy(dtype=float) for p in parts] for c in KINDS.values()}
        ensembles[str(variant)] = Ensemble(labels, mean[RAW_SCORE_COLUMN], mean[PROB_COLUMN], fitted,
                                           per_seed_probs[RAW_SCORE_COLUMN], per_seed_probs[PROB_COLUMN])
        rows.append(row | {"calibrated": fitted})
    return pd.DataFrame(rows), ensembles


def _mean_sd(mean: float, sd: float) -> str:
    return "—" if math.isnan(mean) else f"{mean:.4f}" + ("" if math.isnan(sd) else f" ± {sd:.4f}")


def calibration_markdown(table: pd.DataFrame) -> str:
    """The summary's calibration table: per variant, mean ± sd over seeds and the ensemble's value."""
    if table.empty:
        return ""
    shown = pd.DataFrame({
        "variant": table["variant"],
        "seeds": table["n_seeds"].astype(int).astype(str),
        "calibrator fitted": ["yes" if c else "no" for c in table["calibrated"]],
        "Brier (seeds)": [_mean_sd(m, s) for m, s in zip(table["brier_mean"], table["brier_sd"], strict=True)],
        "Brier (ensemble)": [f"{v:.4f}" for v in table["ens_brier"]],
        "ECE (seeds)": [_mean_sd(m, s) for m, s in zip(table["ece_mean"], table["ece_sd"], strict=True)],
        "ECE (ensemble)": [f"{v:.4f}" for v in table["ens_ece"]],
        "Brier raw (seeds)": [_mean_sd(m, s) for m, s in
                              zip(table["brier_raw_mean"], table["brier_raw_sd"], strict=True)],
        "ECE raw (seeds)": [_mean_sd(m, s) for m, s in zip(table["ece_raw_mean"], table["ece_raw_sd"], strict=True)],
    })
    note = (f"Test split; calibrated `prob` unless marked raw (`prob_raw`); ECE with {N_BINS} equal-width bins; "
            "mean ± sd over seeds, and of the seed ensemble (mean probability). Reliability diagrams: "
            f"`{CALIBRATION_PNG}`.")
    return "\n".join(["## Calibration", "", note, "", markdown_table(shown), ""])


def with_calibration(summary: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with the calibration columns (columns.CALIBRATION_SUMMARY_COLUMNS) of ``table`` joined
    on the variant; NaN for a variant without readable predictions."""
    if table.empty:
        return summary.assign(**{c: math.nan for c in CALIBRATION_SUMMARY_COLUMNS})
    return summary.join(table.set_index("variant")[CALIBRATION_SUMMARY_COLUMNS], on="variant")

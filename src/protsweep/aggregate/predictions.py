"""predictions.csv: the valid and test rows of one run, aligned by id, and how two test sets differ."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from protsweep.record.contract import PREDICTION_SPLITS, PROB_COLUMN, RAW_SCORE_COLUMN


@dataclass(frozen=True)
class SplitPredictions:
    """The predictions of one run on one split, aligned by sorted id."""

    ids: NDArray[np.str_]
    labels: NDArray[np.int8]
    probs: NDArray[np.float64]

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha1()
        h.update("\x1f".join(self.ids.tolist()).encode())
        h.update(self.labels.tobytes())
        return h.hexdigest()

    @property
    def n(self) -> int:
        return int(self.ids.size)

    @property
    def n_pos(self) -> int:
        return int(self.labels.sum())


def read_predictions(path: Path) -> dict[str, SplitPredictions]:
    """The valid (if any) and test rows of predictions.csv, each sorted by id; raises ValueError
    naming what is wrong. Only the test rows are required. Discrimination is judged on the raw scores
    (``prob_raw``; calibration never changes a ranking's statistics), ``prob`` for records that lack them."""
    wanted = {"split", "id", "label", PROB_COLUMN, RAW_SCORE_COLUMN}
    frame = pd.read_csv(path, usecols=lambda c: c in wanted, dtype={"id": str})
    if RAW_SCORE_COLUMN in frame.columns and PROB_COLUMN in frame.columns:
        check_probability_column(frame[PROB_COLUMN], PROB_COLUMN)  # calibrated: Brier, ECE, the ensemble's prob
    if RAW_SCORE_COLUMN in frame.columns:
        frame[PROB_COLUMN] = frame.pop(RAW_SCORE_COLUMN)
    missing = (wanted - {RAW_SCORE_COLUMN}) - set(frame.columns)
    if missing:
        raise ValueError(f"missing column(s) {', '.join(sorted(missing))}")
    split = frame["split"].astype(str)
    if not (split == "test").any():
        raise ValueError("no test rows")
    return {s: _split_rows(frame[split == s], s) for s in PREDICTION_SPLITS if (split == s).any()}


def check_probability_column(values: pd.Series, what: str) -> None:
    """A column of probabilities: every value finite and in [0, 1], else ValueError naming how many are not."""
    probs = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(probs) | (probs < 0) | (probs > 1)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} {what} value(s) missing, not finite or outside [0, 1]")


def _split_rows(rows: pd.DataFrame, split: str) -> SplitPredictions:
    ids = rows["id"].astype(str).to_numpy()
    labels = pd.to_numeric(rows["label"], errors="coerce").to_numpy(dtype=np.float64)
    probs = pd.to_numeric(rows[PROB_COLUMN], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(labels).any() or not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError(f"{split} labels must be 0/1")
    if not np.isfinite(probs).all():
        raise ValueError(f"{int((~np.isfinite(probs)).sum())} {split} prob value(s) missing or not finite")
    check_probability_column(pd.Series(probs), f"{split} score")
    if len(set(ids.tolist())) != ids.size:
        raise ValueError(f"duplicate {split} ids")
    order = np.argsort(ids, kind="stable")
    return SplitPredictions(ids=ids[order], labels=labels[order].astype(np.int8), probs=probs[order])


def test_set_difference(a: SplitPredictions, b: SplitPredictions) -> str:
    """Why two test sets differ, in a few words (empty string when they are the same)."""
    if a.ids.size == b.ids.size and np.array_equal(a.ids, b.ids):
        n_diff = int((a.labels != b.labels).sum())
        return f"labels differ for {n_diff} id(s)" if n_diff else ""
    only_a = np.setdiff1d(a.ids, b.ids).size
    only_b = np.setdiff1d(b.ids, a.ids).size
    return f"ids differ (n={a.n} vs n={b.n}; {only_a} only in the first, {only_b} only in the second)"

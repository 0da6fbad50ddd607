"""The one writer of predictions.csv and metrics.json, for every model family.

A family hands over, per split, the examples (:data:`~protsweep.record.contract.EXAMPLE_COLUMNS`
plus any columns of its own, e.g. ``id_a,id_b``) and the model's raw probabilities; this module fits
the calibrator on the valid split, applies it to every split, and writes both scores and the metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from protsweep.calibration.calibrators import Calibrator
from protsweep.errors import ProtsweepError
from protsweep.record.contract import (
    CALIBRATION_KEY,
    EXAMPLE_COLUMNS,
    FIT_SPLIT,
    PREDICTION_COLUMNS,
    PREDICTION_SPLITS,
    PROB_COLUMN,
    RAW_SCORE_COLUMN,
)
from protsweep.record.metrics import is_degenerate, split_metrics
from protsweep.record.writer import RunRecord


def prediction_frame(split: str, examples: pd.DataFrame, raw: np.ndarray, calibrated: np.ndarray) -> pd.DataFrame:
    """One split's rows of predictions.csv: split, the examples' columns, prob, prob_raw, then the rest."""
    missing = [c for c in EXAMPLE_COLUMNS if c not in examples.columns]
    if missing:
        raise ValueError(f"{split} examples lack columns {missing}")
    if len(examples) != raw.size:
        raise ValueError(f"{split}: {len(examples)} examples but {raw.size} scores")
    own = [c for c in examples.columns if c not in PREDICTION_COLUMNS]  # a family's "split" column adds nothing
    frame = examples[EXAMPLE_COLUMNS].reset_index(drop=True).assign(label=lambda f: f["label"].astype(int))
    frame.insert(0, "split", split)
    frame[PROB_COLUMN] = calibrated
    frame[RAW_SCORE_COLUMN] = raw
    return pd.concat([frame, examples[own].reset_index(drop=True)], axis=1)


def probabilities(values: ArrayLike, what: str) -> np.ndarray:
    """``values`` as floats when each is a probability in [0, 1]; else one line (nothing is written)."""
    array = np.asarray(values, dtype=float).reshape(-1)
    bad = ~np.isfinite(array) | (array < 0) | (array > 1)
    if bad.any():
        raise ProtsweepError(
            f"{what} probabilities: {int(bad.sum())} of {array.size} are NaN, infinite or outside [0, 1] "
            "(a diverged model?); no predictions were written"
        )
    return array


DEGENERATE_KEY = "degenerate"  # run.json and metrics.json: {split: bool}


def write_outputs(
    record: RunRecord,
    examples: Mapping[str, pd.DataFrame],
    raw_scores: Mapping[str, ArrayLike],
    calibrator: Calibrator,
    extra_metrics: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit ``calibrator`` on the valid split's raw scores, write predictions.csv and metrics.json.

    ``examples`` and ``raw_scores`` are keyed by split (:data:`PREDICTION_SPLITS`), rows in the same order.
    ``extra_metrics`` (``best_epoch``, ``epochs_run``, a family's own) join metrics.json's top level.
    Each split's ``degenerate`` flag (``record.metrics.is_degenerate`` of the raw scores) goes into run.json
    and metrics.json.
    Returns the metrics as written.
    """
    if set(examples) != set(PREDICTION_SPLITS) or set(raw_scores) != set(PREDICTION_SPLITS):
        raise ValueError(
            f"outputs need exactly the splits {PREDICTION_SPLITS}, got {sorted(examples)} / {sorted(raw_scores)}"
        )
    raw = {split: probabilities(raw_scores[split], f"{split}: the model's") for split in PREDICTION_SPLITS}
    labels = {split: examples[split]["label"].to_numpy(dtype=int) for split in PREDICTION_SPLITS}
    calibrator.fit(raw[FIT_SPLIT], labels[FIT_SPLIT])
    calibrated = {split: probabilities(calibrator.transform(raw[split]), f"{split}: the calibrated")
                  for split in PREDICTION_SPLITS}
    frames = [prediction_frame(split, examples[split], raw[split], calibrated[split]) for split in PREDICTION_SPLITS]
    metrics: dict[str, Any] = {
        split: split_metrics(labels[split], raw[split], calibrated[split], calibrator.n_bins)
        for split in reversed(PREDICTION_SPLITS)  # test first: what a reader of metrics.json looks for
    }
    metrics |= dict(extra_metrics or {})
    metrics[CALIBRATION_KEY] = calibrator.params()
    # (nearly) constant raw scores: a collapsed model; the aggregator flags it (docs/statistics.md)
    degenerate = {split: is_degenerate(raw[split]) for split in PREDICTION_SPLITS if raw[split].size}
    metrics[DEGENERATE_KEY] = degenerate
    record.update(**{DEGENERATE_KEY: degenerate})
    record.write_predictions(pd.concat(frames, ignore_index=True))
    record.write_metrics(metrics)
    return metrics

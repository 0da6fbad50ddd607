"""Pair labels: a 0/1 column, or a score (e.g. a docking score) cut into 0/1 by a threshold or a quantile.

The mapping, and the cut it used, go into the run record, so a score-derived label is never mistaken
for a measured one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from protsweep.data.config import LabelMapping, PositiveSide, choice
from protsweep.data.validate import is_blank, is_missing_word, parse_label
from protsweep.errors import ConfigError, DataError


def parse_score(value: object, source: str, row: int, field: str) -> float:
    if is_blank(value) or is_missing_word(value):
        raise DataError(source, f"score is missing ({value!r})", row=row, field=field)
    try:
        score = float(str(value).strip())
    except ValueError:
        raise DataError(source, f"score {value!r} is not a number", row=row, field=field) from None
    if not math.isfinite(score):
        raise DataError(source, f"score {value!r} is not finite", row=row, field=field)
    return score


def threshold_cut(scores: np.ndarray, labels_cfg: DictConfig) -> tuple[float, dict[str, Any]]:
    if labels_cfg.threshold is None:
        raise ConfigError("data.labels.mapping=threshold needs data.labels.threshold=<value>")
    return float(labels_cfg.threshold), {}


def quantile_cut(scores: np.ndarray, labels_cfg: DictConfig) -> tuple[float, dict[str, Any]]:
    q = labels_cfg.quantile
    if q is None or not 0.0 < float(q) < 1.0:
        raise ConfigError(f"data.labels.mapping=quantile needs data.labels.quantile in (0, 1), not {q}")
    return float(np.quantile(scores, float(q))), {"quantile": float(q)}


#: score mappings -> the cut (and what to record about it)
CUTS: dict[LabelMapping, Callable[[np.ndarray, DictConfig], tuple[float, dict[str, Any]]]] = {
    LabelMapping.threshold: threshold_cut,
    LabelMapping.quantile: quantile_cut,
}


def map_labels(frame: pd.DataFrame, labels_cfg: DictConfig, label_field: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Replace the raw ``label`` column by 0/1 ints (keeping a ``score`` column for score mappings)."""
    mapping = choice(LabelMapping, labels_cfg.mapping, "data.labels.mapping")
    out = frame.copy()
    triples = list(zip(out["label"], out["source"], out["row"], strict=True))
    if mapping not in CUTS:
        out["label"] = [parse_label(v, s, int(r), field=label_field) for v, s, r in triples]
        return out, {"mapping": mapping.value, "column": label_field, **_counts(out["label"])}

    side = choice(PositiveSide, labels_cfg.positive, "data.labels.positive")
    scores = np.array([parse_score(v, s, int(r), label_field) for v, s, r in triples], dtype=float)
    cut, extra = CUTS[mapping](scores, labels_cfg)
    above = side is PositiveSide.above
    out["score"] = scores
    out["label"] = (scores >= cut if above else scores <= cut).astype(int)
    report: dict[str, Any] = {"mapping": mapping.value, "column": label_field, "positive": side.value, **extra}
    report |= {
        "cut": cut,
        "rule": f"label 1 if score {'>=' if above else '<='} {cut:.6g}",
        "score_min": float(scores.min()) if scores.size else None,
        "score_max": float(scores.max()) if scores.size else None,
        **_counts(out["label"]),
    }
    return out, report


def _counts(labels: pd.Series) -> dict[str, int]:
    return {"n_pos": int((labels == 1).sum()), "n_neg": int((labels == 0).sum())}

"""Pair labels: a 0/1 column, or a score (e.g. a docking score) read two ways.

- **Hard** (``threshold``, ``quantile``): the score is cut into 0/1 at a value or at a quantile.
- **Soft** (``minmax``, ``sigmoid``, ``rank``): the score is mapped into [0, 1], a training target for BCE;
  valid and test are still scored against 0/1 labels, which the declared cut gives
  (``data.labels.threshold`` or ``data.labels.quantile``).

Every example gets ``label`` (0/1, evaluation) and ``target`` (what the network is trained on: the
label, or the soft value with ``data.labels.target=soft``). Both mappings, and their parameters, go into
the run record, so a score-derived label is never mistaken for a measured one. Mapping parameters (min,
max, std, ranks, the quantile cut) are computed over all rows, before the split, as the quantile cut
always was: they define the labels, never the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from protsweep.data.config import LabelMapping, PositiveSide, TrainTarget, choice
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


# ---------------------------------------------------------------- hard: the cut
def threshold_cut(scores: np.ndarray, labels_cfg: DictConfig) -> tuple[float, dict[str, Any]]:
    if labels_cfg.threshold is None:
        raise ConfigError("data.labels.mapping=threshold needs data.labels.threshold=<value>")
    return float(labels_cfg.threshold), {}


def quantile_cut(scores: np.ndarray, labels_cfg: DictConfig) -> tuple[float, dict[str, Any]]:
    q = labels_cfg.quantile
    if q is None or not 0.0 < float(q) < 1.0:
        raise ConfigError(f"data.labels.quantile must be a quantile in (0, 1), not {q}")
    return float(np.quantile(scores, float(q))), {"quantile": float(q)}


#: hard score mappings -> the cut (and what to record about it)
CUTS: dict[LabelMapping, Callable[[np.ndarray, DictConfig], tuple[float, dict[str, Any]]]] = {
    LabelMapping.threshold: threshold_cut,
    LabelMapping.quantile: quantile_cut,
}


def declared_cut(scores: np.ndarray, labels_cfg: DictConfig, mapping: LabelMapping) -> tuple[float, dict[str, Any]]:
    """The cut that gives a soft mapping its 0/1 labels: ``threshold`` or ``quantile``, exactly one."""
    has_threshold, has_quantile = labels_cfg.threshold is not None, labels_cfg.quantile is not None
    if has_threshold == has_quantile:
        raise ConfigError(
            f"data.labels.mapping={mapping.value} maps scores to soft targets; the 0/1 labels valid and test are "
            "scored on need exactly one of data.labels.threshold=<score> or data.labels.quantile=<q>"
        )
    cut, extra = (threshold_cut if has_threshold else quantile_cut)(scores, labels_cfg)
    return cut, {"cut_from": "threshold" if has_threshold else "quantile", **extra}


# ---------------------------------------------------------------- soft: score -> [0, 1]
def minmax_target(scores: np.ndarray, above: bool) -> tuple[np.ndarray, dict[str, Any]]:
    """(s - min) / (max - min), or (max - s) / (max - min) when positives lie below; 0.5 if all equal."""
    low, high = float(scores.min()), float(scores.max())
    if high == low:
        return np.full(scores.shape, 0.5), {"min": low, "max": high}
    scaled = (scores - low) / (high - low)
    return (scaled if above else 1.0 - scaled), {"min": low, "max": high}


def sigmoid_target(scores: np.ndarray, center: float, scale: float, above: bool) -> np.ndarray:
    """1 / (1 + exp(-(s - center) / scale)); the sign flips when positives lie below."""
    from scipy.special import expit  # deferred, as rankdata

    z = (scores - center) / scale
    return expit(z if above else -z)


def rank_target(scores: np.ndarray, above: bool) -> tuple[np.ndarray, dict[str, Any]]:
    """The empirical CDF from average ranks, (rank - 1) / (n - 1): ties share a value; 1 - that below."""
    if scores.size < 2:
        return np.full(scores.shape, 0.5), {"ties": "average"}
    from scipy.stats import rankdata  # deferred: scipy.stats is most of predict's start-up otherwise

    cdf = (rankdata(scores, method="average") - 1.0) / (scores.size - 1)
    return (cdf if above else 1.0 - cdf), {"ties": "average"}


def _minmax(scores: np.ndarray, cfg: DictConfig, cut: float, above: bool) -> tuple[np.ndarray, dict[str, Any]]:
    return minmax_target(scores, above)


def _sigmoid(scores: np.ndarray, cfg: DictConfig, cut: float, above: bool) -> tuple[np.ndarray, dict[str, Any]]:
    center = cut if cfg.center is None else float(cfg.center)
    scale = float(np.std(scores)) if cfg.scale is None else float(cfg.scale)
    if not scale > 0.0:
        raise ConfigError(f"data.labels.scale must be > 0 (null: the scores' std), got {scale}")
    return sigmoid_target(scores, center, scale, above), {"center": center, "scale": scale}


def _rank(scores: np.ndarray, cfg: DictConfig, cut: float, above: bool) -> tuple[np.ndarray, dict[str, Any]]:
    return rank_target(scores, above)


#: soft score mappings -> (scores, labels config, the cut, positives above?) -> (targets, parameters)
SOFT_MAPS: dict[LabelMapping, Callable[[np.ndarray, DictConfig, float, bool], tuple[np.ndarray, dict[str, Any]]]] = {
    LabelMapping.minmax: _minmax,
    LabelMapping.sigmoid: _sigmoid,
    LabelMapping.rank: _rank,
}


def training_target(mapping: LabelMapping, target: TrainTarget | str) -> TrainTarget:
    """``auto`` -> soft for a soft mapping, else hard; ``soft`` without a soft mapping is an error."""
    wanted = choice(TrainTarget, target, "data.labels.target")
    soft_ok = mapping in SOFT_MAPS
    if wanted is TrainTarget.auto:
        return TrainTarget.soft if soft_ok else TrainTarget.hard
    if wanted is TrainTarget.soft and not soft_ok:
        names = "|".join(m.value for m in SOFT_MAPS)
        raise ConfigError(
            f"data.labels.target=soft needs a score mapped into [0, 1]: data.labels.mapping={names} "
            f"(not {mapping.value})"
        )
    return wanted


def map_labels(frame: pd.DataFrame, labels_cfg: DictConfig, label_field: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Replace the raw ``label`` column by 0/1 ints and add ``target`` (float, in [0, 1]); score mappings keep
    a ``score`` column."""
    mapping = choice(LabelMapping, labels_cfg.mapping, "data.labels.mapping")
    target = training_target(mapping, labels_cfg.get("target") or TrainTarget.auto)
    out = frame.copy()
    triples = list(zip(out["label"], out["source"], out["row"], strict=True))
    if mapping is LabelMapping.binary:
        out["label"] = [parse_label(v, s, int(r), field=label_field) for v, s, r in triples]
        out["target"] = out["label"].astype(float)
        return out, {"mapping": mapping.value, "column": label_field, "target": target.value, **_counts(out["label"])}

    side = choice(PositiveSide, labels_cfg.positive, "data.labels.positive")
    scores = np.array([parse_score(v, s, int(r), label_field) for v, s, r in triples], dtype=float)
    above = side is PositiveSide.above
    cut, extra = CUTS[mapping](scores, labels_cfg) if mapping in CUTS else declared_cut(scores, labels_cfg, mapping)
    out["score"] = scores
    out["label"] = (scores >= cut if above else scores <= cut).astype(int)
    out["target"] = out["label"].astype(float)
    report: dict[str, Any] = {"mapping": mapping.value, "column": label_field, "positive": side.value, **extra}
    report |= {
        "cut": cut,
        "rule": f"label 1 if score {'>=' if above else '<='} {cut:.6g}",
        "target": target.value,
        "score_min": float(scores.min()) if scores.size else None,
        "score_max": float(scores.max()) if scores.size else None,
        **_counts(out["label"]),
    }
    if mapping in SOFT_MAPS and scores.size:
        soft, params = SOFT_MAPS[mapping](scores, labels_cfg, cut, above)
        report["soft"] = {"mapping": mapping.value, "positive": side.value, **params, **_summary(soft)}
        if target is TrainTarget.soft:
            out["target"] = soft
    return out, report


def _counts(labels: pd.Series) -> dict[str, int]:
    return {"n_pos": int((labels == 1).sum()), "n_neg": int((labels == 0).sum())}


def _summary(values: np.ndarray) -> dict[str, float]:
    return {"target_min": float(values.min()), "target_mean": float(values.mean()), "target_max": float(values.max())}

"""Stratified train/valid/test splits, seeded by ``data.split_seed`` alone, and the checks every split passes.

The training ``seed`` never touches the split: every seed of a sweep sees the same test set,
which seed ensembles and paired comparisons depend on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protsweep.errors import ConfigError, DataError

SPLITS = ("train", "valid", "test")


def stratified_subsample(frame: pd.DataFrame, limit: int, seed: int, strata: list[str]) -> pd.DataFrame:
    """At most ``limit`` rows (``data.limit``, checked positive), keeping the proportions of ``strata``."""
    if limit >= len(frame):
        return frame
    groups = frame[strata].astype(str).agg("|".join, axis=1)
    can_stratify = min(limit, len(frame) - limit) >= groups.nunique() and groups.value_counts().min() >= 2
    stratify = groups if can_stratify else None
    from sklearn.model_selection import train_test_split  # deferred: predict's start-up splits nothing

    kept, _ = train_test_split(frame, train_size=limit, random_state=seed, stratify=stratify)
    return kept.sort_index()


def assign_splits(frame: pd.DataFrame, valid_frac: float, test_frac: float, seed: int) -> pd.DataFrame:
    """Add a ``split`` column: the data's own split when given (carving valid from train if absent),
    otherwise a stratified random split."""
    out = frame.copy()
    if "split" in out.columns:
        if not (out["split"] == "valid").any():
            train = out[out["split"] == "train"]
            _, valid_index = _two_way(train, valid_frac / max(1e-9, 1 - test_frac), seed)
            out.loc[valid_index, "split"] = "valid"
        return out
    rest_index, test_index = _two_way(out, test_frac, seed)
    rest = out.loc[rest_index]
    _, valid_index = _two_way(rest, valid_frac / (1 - test_frac), seed)
    out["split"] = "train"
    out.loc[test_index, "split"] = "test"
    out.loc[valid_index, "split"] = "valid"
    return out


def _two_way(frame: pd.DataFrame, second_frac: float, seed: int) -> tuple[pd.Index, pd.Index]:
    counts = frame["label"].value_counts()
    n_second = int(np.ceil(second_frac * len(frame)))
    # sklearn cannot stratify parts smaller than the number of classes; check_both_classes then reports
    # the resulting one-class split in plain words
    can_stratify = len(counts) == 2 and counts.min() >= 2 and min(n_second, len(frame) - n_second) >= 2
    stratify = frame["label"] if can_stratify else None
    from sklearn.model_selection import train_test_split  # deferred: predict's start-up splits nothing

    try:
        first, second = train_test_split(frame.index, test_size=second_frac, random_state=seed, stratify=stratify)
    except ValueError as err:  # too few rows for the fractions: an empty part
        raise ConfigError(
            f"{len(frame)} examples cannot be split {1 - second_frac:.2g}/{second_frac:.2g} ({err}); "
            "use more data (data.limit) or other split fractions (data.valid_frac, data.test_frac)"
        ) from err
    return pd.Index(first), pd.Index(second)


def check_unique_owner(frame: pd.DataFrame, keys: pd.Series, source: str, what: str) -> None:
    """No key (a sequence, a pair) in two splits."""
    owners = frame.groupby(keys)["split"].nunique()
    if (owners > 1).any():
        raise DataError(source, f"{what} {owners[owners > 1].index[0]!r} sits in two splits")


def check_both_classes(frame: pd.DataFrame, source: str, hint: str = "") -> None:
    """Both classes in every split: AUC is undefined otherwise."""
    for split in SPLITS:
        labels = frame.loc[frame["split"] == split, "label"]
        if labels.nunique() < 2:
            counts = labels.value_counts().to_dict()
            raise DataError(
                source,
                f"the {split} split has only one class ({counts or 'no rows'}): AUC would be undefined; "
                f"use more data (data.limit) or other split fractions{hint}",
            )


def check_splits(frame: pd.DataFrame, source: str) -> None:
    """No sequence in two splits; both classes in every split."""
    check_unique_owner(frame, frame["sequence"], source, "sequence")
    check_both_classes(frame, source)


def split_counts(parts: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Size, positives and positive rate of each split, for run.json."""
    return {
        name: {"n": len(part), "pos": int(part["label"].sum()), "pos_rate": round(float(part["label"].mean()), 4)}
        for name, part in parts.items()
    }

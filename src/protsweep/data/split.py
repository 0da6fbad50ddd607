"""Stratified train/valid/test splits by unique sequence, seeded by ``data.split_seed`` alone.

The training ``seed`` never touches the split: every seed of a sweep sees the same test set,
which seed ensembles and paired comparisons depend on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from protsweep.errors import ConfigError, DataError

SPLITS = ("train", "valid", "test")


def stratified_subsample(frame: pd.DataFrame, limit: int, seed: int, strata: list[str]) -> pd.DataFrame:
    """At most ``limit`` rows, keeping the proportions of ``strata`` (label, and split when fixed)."""
    if limit >= len(frame):
        return frame
    if limit < 1:
        raise ConfigError(f"data.limit must be a positive number of sequences, not {limit}")
    groups = frame[strata].astype(str).agg("|".join, axis=1)
    can_stratify = min(limit, len(frame) - limit) >= groups.nunique() and groups.value_counts().min() >= 2
    stratify = groups if can_stratify else None
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
    # sklearn cannot stratify parts smaller than the number of classes; check_splits then reports
    # the resulting one-class split in plain words
    can_stratify = len(counts) == 2 and counts.min() >= 2 and min(n_second, len(frame) - n_second) >= 2
    stratify = frame["label"] if can_stratify else None
    first, second = train_test_split(frame.index, test_size=second_frac, random_state=seed, stratify=stratify)
    return pd.Index(first), pd.Index(second)


def check_splits(frame: pd.DataFrame, source: str) -> None:
    """No sequence in two splits; both classes in every split (AUC is undefined otherwise)."""
    owners = frame.groupby("sequence")["split"].nunique()
    if (owners > 1).any():
        raise DataError(source, f"sequence {owners[owners > 1].index[0]!r} sits in two splits")
    for split in SPLITS:
        labels = frame.loc[frame["split"] == split, "label"]
        if labels.nunique() < 2:
            counts = labels.value_counts().to_dict()
            raise DataError(
                source,
                f"the {split} split has only one class ({counts or 'no rows'}): AUC would be undefined; "
                "use more data (data.limit) or other split fractions",
            )

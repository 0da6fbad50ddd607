"""Splits that keep groups whole (similarity clusters, or single sequences), and K-fold cross-validation.

Every split here comes from scikit-learn's ``StratifiedGroupKFold`` seeded by ``data.split_seed`` alone:
- one split (``data.cv.folds=0``): the test set is one of ``round(1 / test_frac)`` group folds, the valid
  set one of ``round((1 - test_frac) / valid_frac)`` group folds of the rest;
- K-fold (``data.cv.folds=K``): the test set is fold ``data.cv.fold`` of K group folds, the valid set one of
  ``round((1 - 1/K) / valid_frac)`` group folds of the other K - 1.
Groups never straddle a split; label proportions are kept as far as whole groups allow (a group is placed
where it best evens out the class shares). The fractions are met to within a group's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from protsweep.data.cluster import cluster_labels, cluster_settings, resolved_method
from protsweep.data.config import SplitBy, choice
from protsweep.errors import ConfigError, DataError


@dataclass(frozen=True)
class SplitPlan:
    """``data.split_by`` and ``data.cv`` of a data config (a bare config may lack them: today's split)."""

    split_by: SplitBy = SplitBy.sequence
    folds: int = 0
    fold: int = 0

    @property
    def grouped(self) -> bool:
        """Whether the split needs :func:`group_split` (clusters, or folds) rather than today's random split."""
        return self.split_by is SplitBy.cluster or self.folds > 0

    def report(self) -> dict[str, object]:
        return {"split_by": self.split_by.value, "cv": {"folds": self.folds, "fold": self.fold}}


def split_plan(data_cfg: DictConfig) -> SplitPlan:
    """The checked plan: ``data.cv.folds`` >= 2 (or 0) and ``0 <= data.cv.fold < folds``."""
    cv = data_cfg.get("cv") or {}
    folds, fold = int(cv.get("folds", 0) or 0), int(cv.get("fold", 0) or 0)
    if folds == 1 or folds < 0:
        raise ConfigError(f"data.cv.folds={folds} is out of range: 0 (one split) or at least 2")
    if folds and not 0 <= fold < folds:
        raise ConfigError(f"data.cv.fold={fold} is out of range: it must be in [0, {folds}) (data.cv.folds={folds})")
    return SplitPlan(choice(SplitBy, data_cfg.get("split_by") or SplitBy.sequence, "data.split_by"), folds, fold)


def refuse_folds_on_fixed_split(plan: SplitPlan, source: str) -> None:
    """Data with its own test split cannot be cross-validated."""
    if plan.folds:
        raise ConfigError(
            f"{source} has its own test split (a split column): data.cv.folds={plan.folds} would replace it; "
            "use data.cv.folds=0"
        )


def _one_fold(labels: np.ndarray, groups: np.ndarray, n_splits: int, which: int, seed: int) -> np.ndarray:
    """Positions of fold ``which`` of a stratified group ``n_splits``-fold."""
    n_groups = len(np.unique(groups))
    if n_splits < 2 or n_groups < n_splits:
        raise ConfigError(
            f"{len(labels)} examples in {n_groups} groups cannot be split into {n_splits} folds; use more data "
            "(data.limit), other split fractions (data.valid_frac, data.test_frac) or fewer folds (data.cv.folds)"
        )
    from sklearn.model_selection import StratifiedGroupKFold  # deferred: predict's start-up reads no split

    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for index, (_, held) in enumerate(splitter.split(np.zeros(len(labels)), labels, groups)):
        if index == which:
            return held
    raise AssertionError("unreachable: which < n_splits")


def fold_count(share: float, of: float = 1.0) -> int:
    """How many folds make one fold about ``share`` of a part that is ``of`` of the whole (at least 2)."""
    return max(2, round(of / share))


def group_split(
    frame: pd.DataFrame, groups: np.ndarray, valid_frac: float, test_frac: float, seed: int, plan: SplitPlan
) -> pd.DataFrame:
    """``frame`` plus a ``split`` column; rows sharing a group share a split (``groups`` aligned to rows)."""
    labels = frame["label"].to_numpy().astype(int)
    groups = np.asarray(groups)
    if plan.folds:
        test_pos = _one_fold(labels, groups, plan.folds, plan.fold, seed)
        rest_share = 1.0 - 1.0 / plan.folds
    else:
        test_pos = _one_fold(labels, groups, fold_count(test_frac), 0, seed)
        rest_share = 1.0 - test_frac
    split = np.full(len(frame), "train", dtype=object)
    split[test_pos] = "test"
    rest = np.flatnonzero(split == "train")
    valid_pos = rest[_one_fold(labels[rest], groups[rest], fold_count(valid_frac, rest_share), 0, seed)]
    split[valid_pos] = "valid"
    out = frame.copy()
    out["split"] = split
    return out


def carve_valid_by_group(frame: pd.DataFrame, groups: np.ndarray, valid_frac: float, test_frac: float,
                         seed: int) -> pd.DataFrame:
    """Data with its own train/test split and no valid rows: the valid set is whole groups of train."""
    out = frame.copy()
    train = np.flatnonzero((out["split"] == "train").to_numpy())
    labels = out["label"].to_numpy().astype(int)
    held = _one_fold(labels[train], np.asarray(groups)[train], fold_count(valid_frac, 1.0 - test_frac), 0, seed)
    out.iloc[train[held], out.columns.get_loc("split")] = "valid"
    return out


def check_groups_whole(frame: pd.DataFrame, groups: np.ndarray, source: str) -> None:
    """No cluster in two splits (the leakage guarantee of ``data.split_by=cluster``)."""
    owners = pd.Series(frame["split"].to_numpy()).groupby(np.asarray(groups)).nunique()
    if (owners > 1).any():
        raise DataError(source, f"similarity cluster {owners[owners > 1].index[0]} sits in two splits")


def plan_groups(frame: pd.DataFrame, plan: SplitPlan, cluster_cfg: DictConfig | None) -> np.ndarray:
    """The group of each row: its similarity cluster (``split_by=cluster``), else the row itself."""
    if plan.split_by is SplitBy.cluster:
        return cluster_labels(frame["sequence"].tolist(), cluster_cfg)
    return np.arange(len(frame))


def split_report(groups: np.ndarray, plan: SplitPlan, cluster_cfg: DictConfig | None,
                 sequences: list[str] | None = None) -> dict[str, object]:
    """``data.split_by``, ``data.cv`` and, for clusters, their number, largest size and method, for run.json."""
    report = plan.report()
    if plan.split_by is SplitBy.cluster and len(groups):
        sizes = np.bincount(np.unique(groups, return_inverse=True)[1])
        settings = cluster_settings(cluster_cfg)
        report["clusters"] = {"n": len(sizes), "largest": int(sizes.max()),
                              "identity": float(settings.identity),
                              "method": resolved_method(settings, sequences or []).value}
    return report


def assign_planned_splits(frame: pd.DataFrame, plan: SplitPlan, cluster_cfg: DictConfig | None,
                          valid_frac: float, test_frac: float, seed: int, source: str
                          ) -> tuple[pd.DataFrame, dict[str, object]]:
    """Single sequences split by ``plan`` (clusters or folds), checked whole; and the split's report."""
    groups = plan_groups(frame, plan, cluster_cfg)
    if "split" in frame.columns:
        refuse_folds_on_fixed_split(plan, source)
        given_valid = (frame["split"] == "valid").any()
        out = frame if given_valid else carve_valid_by_group(frame, groups, valid_frac, test_frac, seed)
    else:
        out = group_split(frame, groups, valid_frac, test_frac, seed, plan)
        check_groups_whole(out, groups, source)
    return out, split_report(groups, plan, cluster_cfg, frame["sequence"].tolist())

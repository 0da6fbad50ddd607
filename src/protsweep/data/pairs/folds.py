"""Pairs split by protein clusters (``data.split_by=cluster``, with ``data.split=cold``) and K-fold pairs.

- ``split=cold``: whole protein groups (similarity clusters, or single proteins) are dealt to the splits in
  a permutation seeded by ``data.split_seed``, each split taking its protein share (by protein count, as
  :func:`~protsweep.data.pairs.split.cold_protein_fractions` sets it); a pair is kept when both of its
  proteins' groups fall in the same split. With ``data.cv.folds=K`` the groups are dealt to K folds of equal
  protein share; the test set is the pairs inside fold ``data.cv.fold`` and the valid set is carved from
  the other folds' groups. Pairs across two folds are in no test fold (the cold split drops them), so the
  K test folds together hold every *kept* pair once, not every pair.
- ``split=random`` with folds: a stratified K-fold over pairs (:func:`protsweep.data.folds.group_split`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from protsweep.data.cluster import cluster_labels
from protsweep.data.config import SplitBy, SplitMethod
from protsweep.data.folds import SplitPlan, check_groups_whole, group_split, split_report
from protsweep.data.pairs.split import cold_protein_fractions
from protsweep.data.split import SPLITS
from protsweep.errors import ConfigError


def _deal(groups: np.ndarray, sizes: np.ndarray, shares: list[float], rng: np.random.Generator) -> np.ndarray:
    """Part number of each group: a random order of groups cut at the cumulative protein shares."""
    order = rng.permutation(len(groups))
    bounds = np.cumsum(shares)[:-1] * sizes.sum()
    ends = np.cumsum(sizes[order])
    part = np.empty(len(groups), dtype=np.int64)
    part[order] = np.searchsorted(bounds, ends - sizes[order] / 2.0)  # a group goes where its middle falls
    return part


def protein_owner(frame: pd.DataFrame, groups_of: dict[str, int], valid_frac: float, test_frac: float,
                  seed: int, plan: SplitPlan) -> dict[str, str]:
    """protein -> split, whole groups together."""
    proteins = sorted(groups_of)
    group_of_protein = np.array([groups_of[p] for p in proteins])
    groups, sizes = np.unique(group_of_protein, return_counts=True)
    rng = np.random.default_rng(seed)
    if plan.folds:
        fold_of_group = _deal(groups, sizes, [1.0 / plan.folds] * plan.folds, rng)
        rest_share = 1.0 - 1.0 / plan.folds
        target = {"train": max(rest_share - valid_frac, 1e-9), "valid": valid_frac}
        roots = {name: np.sqrt(share) for name, share in target.items()}
        valid_share = roots["valid"] / (roots["valid"] + roots["train"])
        rest = fold_of_group != plan.fold
        inner = _deal(groups[rest], sizes[rest], [valid_share, 1.0 - valid_share], rng)
        split_of_group = np.full(len(groups), "test", dtype=object)
        split_of_group[rest] = np.where(inner == 0, "valid", "train")
    else:
        shares = cold_protein_fractions(valid_frac, test_frac)
        names = ["valid", "test", "train"]
        part = _deal(groups, sizes, [shares[name] for name in names], rng)
        split_of_group = np.array(names, dtype=object)[part]
    by_group = dict(zip(groups.tolist(), split_of_group.tolist(), strict=True))
    return {protein: by_group[groups_of[protein]] for protein in proteins}


def planned_pair_split(frame: pd.DataFrame, plan: SplitPlan, method: SplitMethod, cluster_cfg: DictConfig | None,
                       valid_frac: float, test_frac: float, seed: int, source: str) -> tuple[pd.DataFrame, dict]:
    """Pairs split by protein clusters and/or folds; the split report for run.json."""
    if method is SplitMethod.random:
        if plan.split_by is SplitBy.cluster:
            raise ConfigError("data.split_by=cluster keeps protein clusters apart, which needs data.split=cold")
        groups = np.arange(len(frame))
        out = group_split(frame, groups, valid_frac, test_frac, seed, plan)
        return out, {"method": "random", "dropped_pairs": 0, **split_report(groups, plan, cluster_cfg)}
    proteins = sorted(set(frame["seq_a"]) | set(frame["seq_b"]))
    labels = cluster_labels(proteins, cluster_cfg) if plan.split_by is SplitBy.cluster else np.arange(len(proteins))
    groups_of = dict(zip(proteins, labels.tolist(), strict=True))
    owner = protein_owner(frame, groups_of, valid_frac, test_frac, seed, plan)
    side_a, side_b = frame["seq_a"].map(owner), frame["seq_b"].map(owner)
    same = (side_a == side_b).to_numpy()
    out = frame[same].copy()
    out["split"] = side_a[same].to_numpy()
    sides = pd.concat([out["seq_a"], out["seq_b"]], ignore_index=True)
    check_groups_whole(pd.DataFrame({"split": pd.concat([out["split"]] * 2, ignore_index=True)}),
                       sides.map(groups_of).to_numpy(), source)
    report: dict[str, Any] = {
        "method": "cold",
        "proteins": {name: sum(1 for s in owner.values() if s == name) for name in SPLITS},
        "dropped_pairs": int((~same).sum()),
        "kept_pairs": int(same.sum()),
        "dropped_frac": round(float((~same).mean()), 4) if len(frame) else 0.0,
        **split_report(labels, plan, cluster_cfg, proteins),
    }
    return out, report

"""What every kind of two-sided example shares once its rows are checked: self-pair policy -> label mapping
-> dedup (either order) -> optional stratified limit -> split (random or cold) -> split checks.

A pair's two sides are ``seq_a`` and ``seq_b``: two sequences for pairs, two complex keys (``LIGAND:RECEPTOR``)
for pairs of complexes, so dedup, self-pairs and a cold split treat a complex as one unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
from omegaconf import DictConfig

from protsweep.data.config import DataKind, SplitMethod, TrainTarget, choice
from protsweep.data.dataset import SplitData
from protsweep.data.folds import split_plan
from protsweep.data.pairs.dedup import deduplicate_pairs
from protsweep.data.pairs.folds import planned_pair_split
from protsweep.data.pairs.labels import map_labels
from protsweep.data.pairs.split import SPLITTERS, check_pair_splits
from protsweep.data.pairs.validate import apply_self_pair_policy
from protsweep.data.split import SPLITS, stratified_subsample

#: ``label`` is 0/1 (evaluation); ``target`` is what training fits (the label, or a soft value in [0, 1]).
PAIR_COLUMNS = ["id", "id_a", "id_b", "seq_a", "seq_b", "label", "target"]


@dataclass
class PairData(SplitData):
    """Pairs per split (columns ``PAIR_COLUMNS``) and the data report."""

    def unique_sequences(self) -> list[str]:
        """Every sequence of every split, each once, in a stable order."""
        seen: dict[str, None] = {}
        for name in SPLITS:
            part = self.split(name)
            for seq in pd.concat([part["seq_a"], part["seq_b"]]):
                seen.setdefault(seq, None)
        return list(seen)


D = TypeVar("D", bound=PairData)


def pair_id(id_a: str, id_b: str) -> str:
    """Stable across seeds and row orders: the two ids in sorted order."""
    return f"{id_a}|{id_b}" if id_a <= id_b else f"{id_b}|{id_a}"


def finish_pairs(
    data_cfg: DictConfig,
    source_name: str,
    n_rows: int,
    pairs: pd.DataFrame,
    label_field: str,
    kind: DataKind,
    result: type[D],
    columns: list[str],
) -> D:
    """Checked pairs (raw labels) -> the split data of ``result`` type, with its run.json report."""
    pairs, self_report = apply_self_pair_policy(pairs, data_cfg.self_pairs)
    pairs, label_report = map_labels(pairs, data_cfg.labels, label_field)
    soft = label_report["target"] == TrainTarget.soft.value
    unique, dedup_report = deduplicate_pairs(pairs, data_cfg.dedup, soft_target=soft)
    unique["id"] = [pair_id(a, b) for a, b in zip(unique["id_a"], unique["id_b"], strict=True)]
    if data_cfg.limit is not None:
        unique = stratified_subsample(unique, int(data_cfg.limit), int(data_cfg.split_seed), ["label"])
    method = choice(SplitMethod, data_cfg.split, "data.split")
    fractions = float(data_cfg.valid_frac), float(data_cfg.test_frac), int(data_cfg.split_seed)
    plan = split_plan(data_cfg)
    if plan.grouped:
        split, split_report = planned_pair_split(unique, plan, method, data_cfg.get("cluster"), *fractions, source_name)
    else:
        split, split_report = SPLITTERS[method](unique, *fractions)
    check_pair_splits(split, source_name, cold=method is SplitMethod.cold)
    sides = pd.concat([unique["seq_a"], unique["seq_b"]])
    report: dict[str, Any] = {
        "source": source_name,
        "kind": kind.value,
        "n_rows": n_rows,
        "labels": label_report,
        "self_pairs": self_report,
        "dedup": dedup_report,
        "limit": data_cfg.limit,
        "n_pairs": len(unique),
        "n_proteins": int(sides.nunique()),
        "split": split_report,
        "split_seed": int(data_cfg.split_seed),
        **plan.report(),
    }
    return result.from_frame(split, columns, report)

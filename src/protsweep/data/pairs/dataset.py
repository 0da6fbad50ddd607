"""From a pair ``data`` config to validated, labelled, deduplicated, split pairs plus the run.json report.

Order: read -> check rows (sequences, ids) -> self-pair policy -> label mapping -> dedup (either order)
-> optional stratified limit -> split (random or cold) -> split checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from protsweep.data.config import DataKind, SplitMethod, choice, data_kind
from protsweep.data.dataset import SplitData, build_source
from protsweep.data.pairs.dedup import deduplicate_pairs
from protsweep.data.pairs.labels import map_labels
from protsweep.data.pairs.sources import RawPairs
from protsweep.data.pairs.split import SPLITTERS, check_pair_splits
from protsweep.data.pairs.validate import apply_self_pair_policy, resolve_pairs
from protsweep.data.split import SPLITS, stratified_subsample
from protsweep.errors import ConfigError

PAIR_COLUMNS = ["id", "id_a", "id_b", "seq_a", "seq_b", "label"]


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


def pair_id(id_a: str, id_b: str) -> str:
    """Stable across seeds and row orders: the two ids in sorted order."""
    return f"{id_a}|{id_b}" if id_a <= id_b else f"{id_b}|{id_a}"


def is_pair_data(data_cfg: DictConfig) -> bool:
    return data_kind(data_cfg) is DataKind.pairs


def read_pairs(data_cfg: DictConfig) -> tuple[Any, RawPairs, pd.DataFrame]:
    """The source, its raw rows, and the checked pairs (sequences resolved, labels still raw)."""
    if not is_pair_data(data_cfg):
        raise ConfigError(
            f"data={data_cfg.get('name')} holds single sequences; the Siamese family needs pairs: "
            "data=pairs_csv | pairs_ids | guo_yeast_ppi"
        )
    source = build_source(data_cfg)
    raw = source.load()
    return source, raw, resolve_pairs(raw, str(data_cfg.alphabet))


def all_pair_sequences(data_cfg: DictConfig) -> list[str]:
    """Every sequence of every checked pair, before self-pair policy, dedup, limit and split: what any run
    on this data set (any split, seed or limit) may need embedded."""
    _, _, pairs = read_pairs(data_cfg)
    return list(dict.fromkeys(pd.concat([pairs["seq_a"], pairs["seq_b"]]).tolist()))


def load_pair_data(data_cfg: DictConfig) -> PairData:
    source, raw, pairs = read_pairs(data_cfg)
    pairs, self_report = apply_self_pair_policy(pairs, data_cfg.self_pairs)
    pairs, label_report = map_labels(pairs, data_cfg.labels, raw.columns["label"])
    unique, dedup_report = deduplicate_pairs(pairs, data_cfg.dedup)
    unique["id"] = [pair_id(a, b) for a, b in zip(unique["id_a"], unique["id_b"], strict=True)]
    if data_cfg.limit is not None:
        unique = stratified_subsample(unique, int(data_cfg.limit), int(data_cfg.split_seed), ["label"])
    method = choice(SplitMethod, data_cfg.split, "data.split")
    split, split_report = SPLITTERS[method](
        unique, float(data_cfg.valid_frac), float(data_cfg.test_frac), int(data_cfg.split_seed)
    )
    check_pair_splits(split, source.name, cold=method is SplitMethod.cold)
    proteins = pd.concat([unique["seq_a"], unique["seq_b"]])
    report = {
        "source": source.name,
        "kind": DataKind.pairs.value,
        "n_rows": len(raw.pairs),
        "labels": label_report,
        "self_pairs": self_report,
        "dedup": dedup_report,
        "limit": data_cfg.limit,
        "n_pairs": len(unique),
        "n_proteins": int(proteins.nunique()),
        "split": split_report,
        "split_seed": int(data_cfg.split_seed),
    }
    return PairData.from_frame(split, PAIR_COLUMNS, report)

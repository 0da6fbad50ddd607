"""From a pair ``data`` config to validated, labelled, deduplicated, split pairs plus the run.json report.

Order: read -> check rows (sequences, ids) -> then :func:`~protsweep.data.pairs.pipeline.finish_pairs`
(self-pair policy, label mapping, dedup, limit, split, split checks).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from omegaconf import DictConfig

from protsweep.data.config import DataKind, data_kind
from protsweep.data.dataset import build_source
from protsweep.data.pairs.complexes import all_complex_sequences
from protsweep.data.pairs.pipeline import PAIR_COLUMNS, PairData, finish_pairs, pair_id
from protsweep.data.pairs.sources import RawPairs
from protsweep.data.pairs.validate import resolve_pairs
from protsweep.errors import ConfigError

__all__ = ["PAIR_COLUMNS", "PairData", "all_pair_sequences", "is_pair_data", "load_pair_data", "pair_id"]

#: kinds whose examples have two sides (and are embedded side by side)
TWO_SIDED = (DataKind.pairs, DataKind.complexes)


def is_pair_data(data_cfg: DictConfig) -> bool:
    """Pairs of sequences or pairs of complexes: examples the Siamese family reads."""
    return data_kind(data_cfg) in TWO_SIDED


def read_pairs(data_cfg: DictConfig) -> tuple[Any, RawPairs, pd.DataFrame]:
    """The source, its raw rows, and the checked pairs (sequences resolved, labels still raw)."""
    if data_kind(data_cfg) is not DataKind.pairs:
        raise ConfigError(
            f"data={data_cfg.get('name')} does not hold pairs of sequences; the Siamese family needs pairs: "
            "data=pairs_csv | pairs_ids | guo_yeast_ppi"
        )
    source = build_source(data_cfg)
    raw = source.load()
    return source, raw, resolve_pairs(raw, str(data_cfg.alphabet))


def all_pair_sequences(data_cfg: DictConfig) -> list[str]:
    """Every sequence of every checked pair (or complex), before self-pair policy, dedup, limit and split:
    what any run on this data set (any split, seed or limit) may need embedded."""
    if data_kind(data_cfg) is DataKind.complexes:
        return all_complex_sequences(data_cfg)
    _, _, pairs = read_pairs(data_cfg)
    return list(dict.fromkeys(pd.concat([pairs["seq_a"], pairs["seq_b"]]).tolist()))


def load_pair_data(data_cfg: DictConfig) -> PairData:
    source, raw, pairs = read_pairs(data_cfg)
    return finish_pairs(
        data_cfg, source.name, len(raw.pairs), pairs, raw.columns["label"], DataKind.pairs, PairData, PAIR_COLUMNS
    )

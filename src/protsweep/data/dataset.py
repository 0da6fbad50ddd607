"""From a ``data`` config to validated, deduplicated, split data plus the report for run.json."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig

from protsweep.data.dedup import deduplicate
from protsweep.data.split import SPLITS, assign_splits, check_splits, stratified_subsample
from protsweep.data.validate import validate_rows
from protsweep.errors import ConfigError


@dataclass
class SplitData:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    report: dict[str, Any]

    def split(self, name: str) -> pd.DataFrame:
        return {"train": self.train, "valid": self.valid, "test": self.test}[name]


def sequence_id(sequence: str) -> str:
    """A stable id from the sequence itself: identical across seeds, limits and row orders."""
    return "s" + hashlib.sha1(sequence.encode()).hexdigest()[:12]


def build_source(data_cfg: DictConfig) -> Any:
    try:
        return instantiate(data_cfg.source)
    except InstantiationException as err:
        cause = err.__cause__ or err
        raise ConfigError(f"data.source ({data_cfg.source.get('_target_')}): {cause}") from err


def load_split_data(data_cfg: DictConfig) -> SplitData:
    source = build_source(data_cfg)
    rows = validate_rows(source.load(), alphabet=str(data_cfg.alphabet))
    unique, dedup_report = deduplicate(rows, str(data_cfg.dedup))
    if "id" not in unique.columns:
        unique["id"] = unique["sequence"].map(sequence_id)
    strata = ["label", "split"] if "split" in unique.columns else ["label"]
    if data_cfg.limit is not None:
        unique = stratified_subsample(unique, int(data_cfg.limit), int(data_cfg.split_seed), strata)
    split = assign_splits(unique, float(data_cfg.valid_frac), float(data_cfg.test_frac), int(data_cfg.split_seed))
    check_splits(split, source.name)
    parts = {
        name: split.loc[split["split"] == name, ["id", "sequence", "label"]].reset_index(drop=True)
        for name in SPLITS
    }
    report = {
        "source": source.name,
        "dedup": dedup_report,
        "limit": data_cfg.limit,
        "split_seed": int(data_cfg.split_seed),
        "split_given": "split" in unique.columns,
        "splits": {
            name: {"n": len(part), "pos": int(part["label"].sum()), "pos_rate": round(float(part["label"].mean()), 4)}
            for name, part in parts.items()
        },
    }
    return SplitData(parts["train"], parts["valid"], parts["test"], report)

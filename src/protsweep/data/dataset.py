"""From a ``data`` config to validated, deduplicated, split single sequences plus the report for run.json."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Self

import pandas as pd
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from protsweep.data.check import check_data_config
from protsweep.data.dedup import deduplicate
from protsweep.data.folds import assign_planned_splits, split_plan
from protsweep.data.split import SPLITS, assign_splits, check_splits, split_counts, stratified_subsample
from protsweep.data.validate import validate_rows
from protsweep.errors import ConfigError, DataError

SEQUENCE_COLUMNS = ["id", "sequence", "label"]


@dataclass
class SplitData:
    """Examples per split and the data report (``report["splits"]``: size and positives of each)."""

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    report: dict[str, Any]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: list[str], report: dict[str, Any]) -> Self:
        """Parts of ``frame`` by its ``split`` column; the split counts are added to ``report``."""
        parts = {name: frame.loc[frame["split"] == name, columns].reset_index(drop=True) for name in SPLITS}
        return cls(**parts, report={**report, "splits": split_counts(parts)})

    def split(self, name: str) -> pd.DataFrame:
        return {"train": self.train, "valid": self.valid, "test": self.test}[name]


def sequence_id(sequence: str) -> str:
    """A stable id from the sequence itself: identical across seeds, limits and row orders."""
    return "s" + hashlib.sha1(sequence.encode()).hexdigest()[:12]


def build_source(data_cfg: DictConfig) -> Any:
    """The configured source, after the config checks (missing path, fractions)."""
    check_data_config(data_cfg)
    try:
        return instantiate(data_cfg.source)
    except InstantiationException as err:
        cause = err.__cause__ or err
        raise ConfigError(f"data.source ({data_cfg.source.get('_target_')}): {cause}") from err


SHARED_DATA_KEY = "paths.shared_data"


def shared_data_hint(err: DataError, data_cfg: DictConfig) -> DataError:
    """A missing file of a data option that reads from ``paths.shared_data`` (``data=hemolysis``): the hint
    names that key (where the shared data sets are) instead of the option's own path key."""
    raw = json.dumps(OmegaConf.to_container(data_cfg.source, resolve=False))
    if "not found" not in str(err) or SHARED_DATA_KEY not in raw:
        return err
    problem = re.sub(r"\(set its path with [^)]*\)", "", str(err).removeprefix(f"{err.source}: ")).rstrip()
    return DataError(err.source, f"{problem} (this data option reads it from {SHARED_DATA_KEY}: set "
                     f"{SHARED_DATA_KEY}=<the folder holding the shared data sets>)")


def load_split_data(data_cfg: DictConfig) -> SplitData:
    source = build_source(data_cfg)
    try:
        loaded = source.load()
    except DataError as err:
        raise shared_data_hint(err, data_cfg) from err
    rows = validate_rows(loaded, alphabet=str(data_cfg.alphabet))
    unique, dedup_report = deduplicate(rows, data_cfg.dedup)
    if "id" not in unique.columns:
        unique["id"] = unique["sequence"].map(sequence_id)
    strata = ["label", "split"] if "split" in unique.columns else ["label"]
    if data_cfg.limit is not None:
        unique = stratified_subsample(unique, int(data_cfg.limit), int(data_cfg.split_seed), strata)
    plan = split_plan(data_cfg)
    fractions = float(data_cfg.valid_frac), float(data_cfg.test_frac), int(data_cfg.split_seed)
    if plan.grouped:
        split, plan_report = assign_planned_splits(unique, plan, data_cfg.get("cluster"), *fractions, source.name)
    else:
        split, plan_report = assign_splits(unique, *fractions), plan.report()
    check_splits(split, source.name)
    report = {
        "source": source.name,
        "dedup": dedup_report,
        "limit": data_cfg.limit,
        "split_seed": int(data_cfg.split_seed),
        "split_given": "split" in unique.columns,
        **plan_report,
    }
    return SplitData.from_frame(split, SEQUENCE_COLUMNS, report)

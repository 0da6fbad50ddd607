"""One entry point for every kind of data: the loader is chosen by ``data.kind``.

The job calls :func:`load_data` before a model family imports TensorFlow or torch, so a bad data file or
data config is reported as one line in about a second (the family's runner loads the data again: a few
tenths of a second on the benchmark sets).
"""

from __future__ import annotations

from collections.abc import Callable

from omegaconf import DictConfig

from protsweep.data.config import DataKind, data_kind
from protsweep.data.dataset import SplitData, load_split_data
from protsweep.data.pairs.complexes import load_complex_data
from protsweep.data.pairs.dataset import load_pair_data

LOADERS: dict[DataKind, Callable[[DictConfig], SplitData]] = {
    DataKind.single: load_split_data,
    DataKind.pairs: load_pair_data,
    DataKind.complexes: load_complex_data,
}


def load_data(data_cfg: DictConfig) -> SplitData:
    """Checked, validated, deduplicated and split data of any kind."""
    return LOADERS[data_kind(data_cfg)](data_cfg)

"""Shared helpers of the Siamese tests: configs composed from the real ``conf/`` and generated pair data."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import DictConfig

from ..conftest import compose_config as compose_root
from .pairgen import write_pairs_csv

os.environ.setdefault("USE_TF", "0")

#: A small network and a short schedule: every test run trains in seconds on 2 CPU cores.
TINY = [
    "embedder=esmc_tiny",
    "embedder.progress=false",
    "model.encoder.d_model=16",
    "model.encoder.cnn_layers=1",
    "model.encoder.kernel_size=5",
    "model.encoder.transformer_layers=1",
    "model.encoder.n_heads=2",
    "model.encoder.ff_mult=2",
    "model.cross_attention.n_heads=2",
    "model.cross_attention.mlp_hidden=16",
    "trainer.epochs=3",
    "trainer.batch_size=16",
    "trainer.num_threads=1",
]


def compose_config(*overrides: str) -> DictConfig:
    """A Siamese config (``model=siamese`` first; later overrides win)."""
    return compose_root("model=siamese", *overrides)


@pytest.fixture
def pairs_csv(tmp_path: Path) -> Path:
    return write_pairs_csv(tmp_path / "pairs.csv", n_proteins=40, n_pairs=160, seed=0)


@pytest.fixture
def tiny_cfg(tmp_path: Path, pairs_csv: Path) -> Callable[..., DictConfig]:
    """A composed tiny Siamese config on the generated pairs, caching under ``tmp_path``."""

    def make(*overrides: str) -> DictConfig:
        return compose_config(
            "data=pairs_csv",
            f"data.source.path={pairs_csv}",
            f"paths.cache_dir={tmp_path / 'cache'}",
            *TINY,
            *overrides,
        )

    return make

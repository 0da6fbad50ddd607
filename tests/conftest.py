"""Shared fixtures: run the real CLI in a subprocess, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from protsweep.app import config_dir
from protsweep.cache_key import KEY_FILE_ENV
from protsweep.config_store import register_schemas

#: The smallest real ProteinBERT run: tiny random-init model, one frozen-stage epoch.
TINY_RUN = ("model=proteinbert_tiny", "trainer.epochs_frozen=1", "trainer.epochs_full=0", "trainer.batch_size=16")


@pytest.fixture(scope="session", autouse=True)
def cache_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test (and the CLI runs it starts) signs cache entries with a key in a tmp folder, never the real
    ``~/.config/protsweep/cache.key``."""
    path = tmp_path_factory.mktemp("cache_key") / "cache.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_FILE_ENV, str(path))
        yield path


def compose_config(*overrides: str, return_hydra_config: bool = False) -> DictConfig:
    """The config ``protsweep OVERRIDES`` would run with, composed from the real ``conf/`` (no job runs)."""
    register_schemas(config_dir())
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=return_hydra_config)


@pytest.fixture(scope="session")
def compose_cfg() -> Callable[..., DictConfig]:
    """``compose_cfg(*overrides)``: see :func:`compose_config`."""
    return compose_config


def run_cli(args: list[str], cwd: Path, timeout: int = 900, module: str = "protsweep") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "USE_TF": "0"}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess]:
    """``cli(args, cwd)`` runs ``python -m protsweep ARGS`` and returns the completed process."""
    return run_cli


@pytest.fixture(scope="session")
def tiny_run() -> tuple[str, ...]:
    return TINY_RUN


def job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(p for p in sweep_dir.iterdir() if p.is_dir() and (p / ".hydra").is_dir())


@pytest.fixture(scope="session")
def jobs_of() -> Callable[[Path], list[Path]]:
    return job_dirs


@pytest.fixture(scope="session")
def read_json() -> Callable[[Path], dict]:
    return lambda path: json.loads(Path(path).read_text())


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text to a CSV file in the test's tmp dir and return its path."""

    def write(content: str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_text(content)
        return path

    return write

"""Shared test helpers: run the real CLI in a subprocess, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TINY_RUN = [
    "model=proteinbert_tiny",
    "trainer.epochs_frozen=1",
    "trainer.epochs_full=0",
    "trainer.batch_size=16",
]


def protsweep(args: list[str], cwd: Path, timeout: int = 600, module: str = "protsweep") -> subprocess.CompletedProcess:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0", "PYTHONUNBUFFERED": "1", "USE_TF": "0"}
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(p for p in sweep_dir.iterdir() if p.is_dir() and (p / ".hydra").is_dir())


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture
def csv_file(tmp_path: Path):
    """Write a CSV from rows (a list of dicts or a header + lines string) and return its path."""

    def write(content: str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_text(content)
        return path

    return write

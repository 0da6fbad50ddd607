"""Fixtures for the aggregator tests; the record writers live in runrecords.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def head_sweep(tmp_path: Path) -> Path:
    """Two heads x five seeds, every job completed, with multirun.yaml."""
    from .runrecords import make_head_sweep

    return make_head_sweep(tmp_path)

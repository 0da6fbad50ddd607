"""Fixtures for the aggregator tests; the record writers live in runrecords.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from runrecords import make_head_sweep


@pytest.fixture

def head_sweep(tmp_path: Path) -> Path:
    return make_head_sweep(tmp_path)

"""Fixtures for the aggregator tests; the record writers live in runrecords.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@pytest.fixture
def head_sweep(tmp_path: Path) -> Path:
    """Two heads x five seeds, every job completed, with multirun.yaml."""
    from .runrecords import make_head_sweep

    return make_head_sweep(tmp_path)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Figure]:
    """Every figure the aggregator's plot functions save, by file name (still written to disk)."""
    from protsweep.aggregate import delta_forest, plots, reliability_plot, training_plot

    figures: dict[str, Figure] = {}
    real = plots.save_figure

    def keep(fig: Figure, path: Path) -> None:
        figures[Path(path).name] = fig
        real(fig, path)

    for module in (plots, training_plot, delta_forest, reliability_plot):
        monkeypatch.setattr(module, "save_figure", keep)
    return figures

"""``protsweep-predict``'s start-up (issue 23): scoring pairs with a saved Siamese model imports neither the
aggregator's tables and plots nor the statistics and plotting libraries behind them (they were most of the
process's start-up; ``bench/bench_predict_process.py`` times it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import protsweep.aggregate as aggregate_package

SRC = Path(__file__).resolve().parents[2] / "src"
#: what scoring without labels never needs
NOT_AT_START_UP = ("sklearn", "scipy.stats", "scipy.optimize", "scipy.sparse", "matplotlib", "statsmodels",
                   "tensorflow", "protsweep.aggregate.api", "protsweep.aggregate.output")


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "USE_TF": "0"}
    done = subprocess.run([sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, env=env, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_siamese_predict_path_imports_no_statistics_or_plotting_library() -> None:
    loaded = _modules_after("import protsweep.predict_cli, protsweep.siamese.model_io")
    assert "torch" in loaded and "protsweep.siamese.model_io" in loaded  # the check sees what was imported
    assert sorted(m for m in NOT_AT_START_UP if m in loaded) == []


def test_the_aggregators_names_load_on_first_use() -> None:
    loaded = _modules_after("from protsweep.aggregate import Results, aggregate, write_results")
    assert {"protsweep.aggregate.api", "protsweep.aggregate.output", "protsweep.aggregate.result"} <= loaded
    assert aggregate_package.aggregate is aggregate_package.api.aggregate
    assert set(aggregate_package.__all__) == set(aggregate_package._HOMES)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = aggregate_package.nonexistent

"""A route sweep end to end through the real CLI: `protsweep sweep=<name>` with the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LIMIT = "data.limit=64"
FULL = "trainer.epochs_full=1"  # optimizer=layerwise drops the frozen stage: it needs a full stage


@pytest.mark.parametrize(
    ("sweep", "arms"),
    [("head", {"default", "two_layer"}), ("routes", {"baseline", "layerwise_lr", "augment_truncate_blosum"})],
)
def test_route_sweep_runs_end_to_end(sweep: str, arms: set[str], cli, tiny_run, jobs_of, tmp_path: Path) -> None:
    factor = {"head": "head", "routes": "variant"}[sweep]
    # seed=0 on the command line replaces the sweep's seeds 0-4; routes is cut down to three variants
    limit_arms = [f"{factor}={','.join(sorted(arms))}"] if sweep == "routes" else []
    out = cli(
        [f"sweep={sweep}", *tiny_run, FULL, LIMIT, "seed=0", *limit_arms, f"hydra.sweep.dir={tmp_path / 'sw'}"],
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    jobs = jobs_of(tmp_path / "sw")
    assert len(jobs) == len(arms)
    seen = set()
    for job in jobs:
        run = json.loads((job / "run.json").read_text())
        assert run["status"] == "completed", run.get("error")
        assert run["ablation"]["name"] == sweep and run["ablation"]["factor"] == factor
        seen.add(run["choices"][factor])
    assert seen == arms

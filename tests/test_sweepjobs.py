"""One expected-jobs implementation: the aggregator (multirun.yaml) and the live monitor (the composed config)
expand the same jobs, glob() included."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from protsweep import app
from protsweep.aggregate.expected import expected_jobs as from_multirun_yaml
from protsweep.launch.outcome import expected_jobs as from_config

from .conftest import compose_config


def test_routes_glob_expands_the_same_way_for_the_monitor_and_the_aggregator(tmp_path: Path) -> None:
    cfg = compose_config("sweep=routes", return_hydra_config=True)
    live = from_config(cfg)
    variants = sorted(p.stem for p in (app.config_dir() / "variant").glob("*.yaml"))
    seeds = len({dict(o.split("=", 1) for o in job)["seed"] for job in live})
    assert len(live) == len(variants) * seeds and seeds >= 2
    assert {dict(o.split("=", 1) for o in job)["variant"] for job in live} == set(variants)
    OmegaConf.save(OmegaConf.create({"hydra": {"sweeper": cfg.hydra.sweeper, "overrides": cfg.hydra.overrides}}),
                   tmp_path / "multirun.yaml")  # as Hydra saves it
    assert from_multirun_yaml(tmp_path) == [list(job) for job in live]


def test_unreadable_multirun_yaml_gives_no_expectation(tmp_path: Path) -> None:
    assert from_multirun_yaml(tmp_path) is None
    (tmp_path / "multirun.yaml").write_text("hydra: {sweeper: {params: {seed: 'range(oops'}}}\n")
    assert from_multirun_yaml(tmp_path) is None

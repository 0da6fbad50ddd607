"""Tuning on validation: the objective's key, multi-seed trials, a persistent Optuna study, and the tuned value
carried into the follow-up variant."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
import yaml

from protsweep.errors import ConfigError
from protsweep.tune.best import best_option
from protsweep.tune.objective import parse_metric, run_metric, seed_mean

LIMIT = "data.limit=200"


def test_metric_key_is_a_validation_metric():
    assert parse_metric("valid_auc") == ("valid", "auc")
    assert parse_metric("valid_auprc") == ("valid", "auprc")
    with pytest.raises(ConfigError, match="valid split only"):
        parse_metric("test_auc")
    with pytest.raises(ConfigError, match="unknown metric"):
        parse_metric("valid_accuracy")


def test_seed_mean_fails_a_trial_with_a_failed_seed():
    assert seed_mean([0.5, 0.7, 0.9]) == pytest.approx(0.7)
    assert math.isnan(seed_mean([0.5, math.nan]))
    assert math.isnan(seed_mean([]))


def test_run_metric_reads_completed_runs_only(tmp_path: Path):
    (tmp_path / "metrics.json").write_text(json.dumps({"valid": {"auc": 0.75}, "test": {"auc": 0.9}}))
    (tmp_path / "run.json").write_text(json.dumps({"status": "running"}))
    assert math.isnan(run_metric(tmp_path, "valid_auc"))
    (tmp_path / "run.json").write_text(json.dumps({"status": "completed"}))
    assert run_metric(tmp_path, "valid_auc") == 0.75


def test_best_option_is_a_global_option_with_the_params():
    text = best_option({"loss.alpha": 0.3, "loss.gamma": 1.5}, "outputs/sweeps/s/1", {"metric": "valid_auc"}, 0.8)
    assert text.startswith("# @package _global_\n")
    assert "validation split only" in text
    assert yaml.safe_load(text) == {"loss": {"alpha": 0.3, "gamma": 1.5}, "tune": {"study": "outputs/sweeps/s/1"}}


def test_a_test_metric_objective_is_refused_in_one_line(cli, tmp_path, tiny_run):
    out = cli(["tune.metric=test_auc", LIMIT, *tiny_run], cwd=tmp_path)
    assert out.returncode == 1
    assert "protsweep: error: tune.metric=test_auc: tuning is on the valid split only" in out.stderr
    assert "Traceback" not in out.stderr
    assert not list(tmp_path.glob("outputs/runs/*/run.json"))


def test_seeds_per_trial_are_for_tuning_sweeps_only(cli, tmp_path, tiny_run):
    out = cli(["tune.seeds=[0,1]", LIMIT, *tiny_run], cwd=tmp_path)
    assert out.returncode == 1
    assert "protsweep: error: tune.seeds makes each trial of a tuning sweep" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_three_trial_study_and_the_tuned_follow_up(cli, tmp_path, tiny_run, read_json):
    out = cli(["sweep=tune_label_smoothing", "hydra.sweeper.n_trials=3", "tune.seeds=[0,1]", LIMIT, *tiny_run],
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    (study,) = (tmp_path / "outputs/sweeps/tune_label_smoothing").iterdir()
    trials = sorted(p for p in study.iterdir() if (p / "trial.json").is_file())
    assert len(trials) == 3
    objectives = {}
    for trial in trials:
        record = read_json(trial / "trial.json")
        per_seed = [read_json(trial / f"seed={s}" / "metrics.json")["valid"]["auc"] for s in (0, 1)]
        assert record["metric"] == "valid_auc"
        assert record["objective"] == pytest.approx(sum(per_seed) / 2)  # the seed-mean validation AUC
        value = yaml.safe_load((trial / "seed=0" / ".hydra/config.yaml").read_text())["loss"]["label_smoothing"]
        objectives[value] = record["objective"]
    # the persistent study: three finished trials in the SQLite file
    with sqlite3.connect(tmp_path / "outputs/tune/tune_label_smoothing.db") as db:
        states = [row[0] for row in db.execute("SELECT state FROM trials")]
    assert states == ["COMPLETE"] * 3
    best = yaml.safe_load((study / "tuned/best.yaml").read_text())
    tuned = best["loss"]["label_smoothing"]
    assert objectives[tuned] == max(objectives.values())
    assert "validation split only" in (study / "tuned/best.yaml").read_text()

    follow = cli(["-cd", str(study), "sweep=tuned", "seed=0", LIMIT, *tiny_run], cwd=tmp_path)
    assert follow.returncode == 0, follow.stderr[-3000:]
    (sweep,) = (tmp_path / "outputs/sweeps/tuned").iterdir()
    used = {}
    for job in sweep.iterdir():
        if (job / ".hydra").is_dir():
            config = yaml.safe_load((job / ".hydra/config.yaml").read_text())
            used[job.name.rsplit("tuned=", 1)[1]] = config["loss"]["label_smoothing"]
            assert read_json(job / "run.json")["status"] == "completed"
    assert used == {"none": 0.0, "best": tuned}
    note = (sweep / "tuned.md").read_text()
    assert note.startswith("tuned=best: Tuned on the validation split only: valid_auc") and str(study.name) in note


TUNE_SWEEPS = sorted(p.stem for p in Path(__file__).parents[2].joinpath("sweeps").glob("tune_*.yaml"))


@pytest.mark.parametrize("name", TUNE_SWEEPS)
def test_every_tuning_sweep_maximises_a_validation_metric_over_seeds(name: str, compose_cfg) -> None:
    cfg = compose_cfg(f"sweep={name}", return_hydra_config=True)
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper") and str(sweeper.direction) in {"maximize", "Direction.maximize"}
    assert cfg.ablation.name == name and sweeper.study_name == name
    parse_metric(cfg.tune.metric)
    assert len(cfg.tune.seeds) >= 3
    for key in sweeper.params:  # every tuned knob is a key of the composed config
        node = cfg
        for part in str(key).split("."):
            node = node[part]
        assert isinstance(node, float | int), (name, key)


def test_the_tuned_sweep_compares_best_with_none(compose_cfg) -> None:
    cfg = compose_cfg("sweep=tuned", return_hydra_config=True)
    assert dict(cfg.hydra.sweeper.params) == {"tuned": "none,best", "seed": "range(5)"}
    assert dict(cfg.ablation.baseline) == {"tuned": "none"}

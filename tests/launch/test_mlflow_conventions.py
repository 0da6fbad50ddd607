"""logger=mlflow by MLflow's conventions, against a real local SQLite store: an experiment per route, a parent
run per sweep with the jobs nested in it, plain params and user tags a search finds, epochs sent live (distinct
steps and timestamps), artifacts, reused and skipped jobs, and the verdict table in the parent run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf, open_dict

from protsweep.launch.loggers import build_logger, live_callbacks, publish_record
from protsweep.record import RunRecord
from protsweep.record.contract import REUSED_FROM_KEY

from ..conftest import TINY_RUN, compose_config

mlflow = pytest.importorskip("mlflow", reason="the [track] extra (make test installs it)")
from mlflow.tracking import MlflowClient  # noqa: E402

ROWS = [
    {"stage": "frozen", "epoch": 1, "loss": 0.71, "val_loss": 0.69, "val_auc": 0.55, "lr": 1e-2},
    {"stage": "frozen", "epoch": 2, "loss": 0.62, "val_loss": 0.64, "val_auc": 0.61, "lr": 1e-2},
    {"stage": "full", "epoch": 1, "loss": 0.50, "val_loss": 0.58, "val_auc": 0.70, "lr": 1e-4},
]
PREDICTIONS = pd.DataFrame(
    {"split": ["test"], "id": ["a"], "sequence": ["ACD"], "label": [1], "prob": [0.9], "prob_raw": [0.9]}
)


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"


def job_config(store: str, *overrides: str):
    cfg = compose_config(*TINY_RUN, "ablation.name=head_route", *overrides)
    with open_dict(cfg):
        cfg.logger = OmegaConf.create({"_target_": "protsweep.launch.loggers.mlflow.MlflowLogger",
                                       "tracking_uri": store})
    return cfg


def train(run_dir: Path, cfg, overrides: list[str], auc: float) -> None:
    """What job.execute does around a runner: start the record, add the tracker's live callback, announce the
    epochs through the record's handler, write the outputs, complete, publish."""
    record = RunRecord(run_dir)
    record.start(seed=int(cfg.seed), overrides=overrides, choices={"model": "proteinbert_tiny"},
                 pretrained="random")
    tracker = build_logger(cfg)
    record.callbacks = [*record.callbacks, *live_callbacks(tracker, run_dir, cfg, record)]
    events = record.events()
    for row in ROWS:
        events.on_row(row)
    record.write_metrics({"test": {"auc": auc}, "valid": {"auc": auc - 0.1}, "best_epoch": 2})
    record.write_predictions(PREDICTIONS)
    (run_dir / "model").mkdir()
    (run_dir / "model" / "weights.safetensors").write_bytes(b"w")
    (run_dir / "curves.png").write_bytes(b"png")
    record.complete()
    tracker.write(run_dir, cfg)


def test_sweep_of_jobs_by_mlflow_conventions(tmp_path: Path, store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("protsweep.launch.loggers.mlflow.in_sweep", lambda: True)
    sweep = tmp_path / "sweeps" / "head_route" / "ts1"
    jobs = {"seed=3": (["seed=3"], 0.8), "seed=4": (["seed=4"], 0.7), "head=two_layer,seed=3":
            (["head=two_layer", "seed=3"], 0.9)}
    client = MlflowClient(store)
    for name, (overrides, auc) in jobs.items():
        run_dir = sweep / name
        run_dir.mkdir(parents=True)
        train(run_dir, job_config(store, *overrides), overrides, auc)

    experiment = client.get_experiment_by_name("head_route")  # one experiment per route name
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [r for r in runs if r.data.tags.get("protsweep.role") == "sweep"]
    children = [r for r in runs if r.data.tags.get("protsweep.role") == "job"]
    assert parent.info.run_name == "ts1" and len(children) == 3
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}

    def names(filter_string: str) -> set[str]:
        return {r.info.run_name for r in client.search_runs([experiment.experiment_id], filter_string)}

    # params are plain values: the enum Freeze.two_stage is searchable as the word a user types
    assert names("params.`trainer.freeze` = 'two_stage'") == set(jobs)
    assert names("params.`trainer.freeze` = 'frozen_only'") == set()
    assert names("params.seed = '3'") == {"seed=3", "head=two_layer,seed=3"}
    assert names("tags.variant = 'head=two_layer'") == {"head=two_layer,seed=3"}
    assert names("tags.variant = 'default'") == {"seed=3", "seed=4"}
    assert names("tags.seed = '4'") == {"seed=4"}
    assert names("tags.family = 'proteinbert' and tags.weights = 'random' and tags.dataset = 'amp_modlamp'") == set(
        jobs)
    assert names("metrics.`test/auc` > 0.85") == {"head=two_layer,seed=3"}

    run = next(r for r in children if r.info.run_name == "seed=4")
    assert run.info.status == "FINISHED" and "reused_from" not in run.data.tags
    history = client.get_metric_history(run.info.run_id, "frozen/val_auc")
    assert sorted((m.step, m.value) for m in history) == [(1, 0.55), (2, 0.61)]
    losses = sorted(client.get_metric_history(run.info.run_id, "frozen/loss"), key=lambda m: m.step)
    assert losses[0].timestamp < losses[1].timestamp  # sent epoch by epoch, not all at one time
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"run.json", "predictions.csv", "metrics.json", "history.csv", "curves.png", "model"} <= artifacts
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model")] == ["model/weights.safetensors"]

    # the sweep's end: its verdict table goes into the parent run, which is then closed
    (sweep / "results").mkdir()
    verdicts = pd.DataFrame({"variant": ["head=two_layer"], "delta_auc": [0.15], "verdict": ["better"]})
    verdicts.to_csv(sweep / "results" / "comparisons.csv", index=False)
    sweep_cfg = compose_config(*TINY_RUN, "ablation.name=head_route", f"hydra.sweep.dir={sweep}",
                               return_hydra_config=True)
    with open_dict(sweep_cfg):
        sweep_cfg.logger = job_config(store).logger
    from protsweep.launch.loggers.sweep_results import SweepResultsToTracker

    SweepResultsToTracker().on_multirun_end(sweep_cfg)
    parent = client.get_run(parent.info.run_id)
    assert parent.info.status == "FINISHED"
    assert {"results", "verdicts.json"} <= {a.path for a in client.list_artifacts(parent.info.run_id)}
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)  # load_table searches through MLflow's fluent API
    table = client.load_table(experiment.experiment_id, "verdicts.json", run_ids=[parent.info.run_id])
    assert table["verdict"].tolist() == ["better"] and table["delta_auc"].tolist() == [0.15]


def test_epochs_are_in_the_store_while_the_job_trains(tmp_path: Path, store: str) -> None:
    run_dir = tmp_path / "runs" / "one"
    cfg = job_config(store, "seed=2")
    record = RunRecord(run_dir)
    record.start(seed=2, overrides=["seed=2"], choices={})
    tracker = build_logger(cfg)
    record.callbacks = [*record.callbacks, *live_callbacks(tracker, run_dir, cfg, record)]
    record.events().on_row(ROWS[0])  # the first epoch ends; the job is still running

    client = MlflowClient(store)
    (run,) = client.search_runs([client.get_experiment_by_name("head_route").experiment_id])
    assert run.info.status == "RUNNING" and "mlflow.parentRunId" not in run.data.tags  # a single run: no parent
    assert run.data.metrics == {"frozen/loss": 0.71, "frozen/val_loss": 0.69, "frozen/val_auc": 0.55, "frozen/lr": 1e-2}

    record.events().on_row(ROWS[1])
    record.write_history(ROWS)  # e.g. a resumed run's history: its third row was never announced
    record.write_metrics({"test": {"auc": 0.75}})
    record.complete()
    tracker.write(run_dir, cfg)
    history = client.get_metric_history(run.info.run_id, "full/loss")
    assert [(m.step, m.value) for m in history] == [(3, 0.5)]  # filled in from history.csv at the end
    assert len(client.get_metric_history(run.info.run_id, "frozen/loss")) == 2  # none sent twice
    assert client.get_run(run.info.run_id).data.metrics["test/auc"] == 0.75


def test_reused_and_skipped_jobs_are_logged_once(tmp_path: Path, store: str) -> None:
    cfg = job_config(store, "seed=5")
    reused = tmp_path / "sweep" / "seed=5"
    record = RunRecord(reused)
    source = tmp_path / "earlier" / "seed=5"
    record.start(seed=5, overrides=["seed=5"], choices={}, **{REUSED_FROM_KEY: {"run": str(source), "at": "x"}})
    record.write_history(ROWS)
    record.write_metrics({"test": {"auc": 0.6}})
    record.complete()
    skipped = tmp_path / "sweep" / "seed=6"
    record = RunRecord(skipped)
    record.start(seed=6, overrides=["seed=6"], choices={})
    record.write_metrics({"test": {"auc": 0.65}})
    record.complete()

    for _ in range(2):  # a second relaunch finds both logged already
        publish_record(cfg, reused)
        publish_record(cfg, skipped)
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("head_route").experiment_id])
    assert sorted((r.info.run_name, r.data.tags["reused_from"], r.info.status) for r in runs) == [
        ("seed=5", str(source), "FINISHED"),
        ("seed=6", str(skipped), "FINISHED"),
    ]
    run = next(r for r in runs if r.info.run_name == "seed=5")
    assert sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, "frozen/val_auc")) == [
        (1, 0.55), (2, 0.61)]
    assert run.data.metrics["test/auc"] == 0.6

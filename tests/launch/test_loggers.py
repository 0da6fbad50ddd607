"""The tracker loggers write a finished run record into a real store, and the values read back are the record's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.launch.loggers import build_logger
from protsweep.record import RunRecord

HISTORY = [
    {"stage": "frozen", "epoch": 1, "loss": 0.71, "val_loss": 0.69, "val_auc": 0.55, "lr": 1e-2},
    {"stage": "frozen", "epoch": 2, "loss": 0.62, "val_loss": 0.64, "val_auc": 0.61, "lr": 1e-2},
    {"stage": "full", "epoch": 1, "loss": 0.50, "val_loss": 0.58, "val_auc": 0.70, "lr": 1e-4},
]
METRICS = {
    "test": {"auc": 0.8125, "auprc": 0.75, "n": 24, "pos_rate": 0.5},
    "valid": {"auc": 0.7, "auprc": 0.66, "n": 12, "pos_rate": 0.5},
    "best_epoch": 1,
    "epochs_run": 3,
}
CONFIG = {
    "model": {"name": "proteinbert_tiny", "d_key": 8},
    "trainer": {"lr_full": 1e-4, "epochs_full": 1},
    "seed": 3,
    "ablation": {"name": "head", "factor": "head", "baseline": {"head": "default"}},
}


@pytest.fixture
def finished_run(tmp_path: Path) -> Path:
    """A completed run record written through the real RunRecord API."""
    run_dir = tmp_path / "sweep" / "head=two_layer,seed=3"
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / ".hydra" / "overrides.yaml").write_text("- head=two_layer\n- seed=3\n")
    record = RunRecord(run_dir)
    choices = {"model": "proteinbert_tiny", "head": "two_layer"}
    record.start(seed=3, overrides=["head=two_layer", "seed=3"], choices=choices)
    record.write_history(HISTORY)
    record.write_metrics(METRICS)
    record.write_predictions(
        pd.DataFrame(
            {"split": ["test"], "id": ["a"], "sequence": ["ACD"], "label": [1], "prob": [0.9], "prob_raw": [0.9]}
        )
    )
    record.complete()
    return run_dir


def test_none_builds_no_logger() -> None:
    assert build_logger(OmegaConf.create({"logger": {"name": "none"}})) is None
    assert build_logger(OmegaConf.create({"seed": 0})) is None


def test_tensorboard_round_trip(finished_run: Path) -> None:
    pytest.importorskip("tensorboard", reason="the [track] extra (make test installs it)")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    cfg = OmegaConf.create({**CONFIG, "logger": {"_target_": "protsweep.launch.loggers.tensorboard.TensorBoardLogger"}})
    build_logger(cfg).write(finished_run, cfg)
    build_logger(cfg).write(finished_run, cfg)  # a second write replaces the first, never doubles it

    events = EventAccumulator(str(finished_run / "tensorboard"))
    events.Reload()
    for column in ("loss", "val_loss", "val_auc", "lr"):
        for stage in ("frozen", "full"):
            rows = [(step, row[column]) for step, row in enumerate(HISTORY, 1) if row["stage"] == stage]
            got = [(s.step, s.value) for s in events.Scalars(f"{stage}/{column}")]
            assert [step for step, _ in got] == [step for step, _ in rows]
            assert [v for _, v in got] == pytest.approx([v for _, v in rows], rel=1e-6)
    assert events.Scalars("test/auc")[0].value == pytest.approx(0.8125)
    assert events.Scalars("test/auc")[0].step == len(HISTORY)

    start = session_start(finished_run)
    assert {k: v.string_value for k, v in start.hparams.items() if k != "seed"} == {
        "model": "proteinbert_tiny",
        "head": "two_layer",
    }
    assert start.hparams["seed"].WhichOneof("kind") == "number_value" and start.hparams["seed"].number_value == 3
    assert start.group_name == "head=two_layer"  # the variant: its seeds are one group


def session_start(run_dir: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    events = EventAccumulator(str(run_dir / "tensorboard"))
    events.Reload()
    content = events.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    return plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info


def completed_run(run_dir: Path, overrides: list[str], **info) -> Path:
    record = RunRecord(run_dir)
    record.start(seed=int(overrides[-1].split("=")[1]), overrides=overrides, choices={"model": "proteinbert_tiny"},
                 **info)
    record.write_history(HISTORY)
    record.write_metrics(METRICS)
    record.complete()
    return run_dir


def test_tensorboard_groups_seeds_by_variant_and_writes_reused_jobs(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="the [track] extra (make test installs it)")
    from protsweep.launch.loggers import publish_record

    sweep = tmp_path / "sweep"
    runs = {
        "seed=1": completed_run(sweep / "seed=1", ["seed=1"]),
        "seed=2": completed_run(sweep / "seed=2", ["seed=2"], reused_from={"run": "/elsewhere/seed=2", "at": "x"}),
        "lr=0.01,seed=1": completed_run(sweep / "lr=0.01,seed=1", ["trainer.lr_full=0.01", "seed=1"]),
        "fold=2,seed=1": completed_run(sweep / "fold=2,seed=1", ["data.cv.fold=2", "seed=1"]),
    }
    cfg = OmegaConf.create({**CONFIG, "logger": {"_target_": "protsweep.launch.loggers.tensorboard.TensorBoardLogger"}})
    for run_dir in runs.values():  # as job.py does for a job reused from an earlier run or skipped as completed
        publish_record(cfg, run_dir)
    starts = {name: session_start(run_dir) for name, run_dir in runs.items()}
    assert {name: start.group_name for name, start in starts.items()} == {
        "seed=1": "default",
        "seed=2": "default",
        "lr=0.01,seed=1": "trainer.lr_full=0.01",
        "fold=2,seed=1": "default",  # folds are replicates of a variant too
    }
    lr = starts["lr=0.01,seed=1"].hparams["trainer.lr_full"]
    assert lr.WhichOneof("kind") == "number_value" and lr.number_value == pytest.approx(0.01)
    assert starts["fold=2,seed=1"].hparams["data.cv.fold"].number_value == 2


def test_mlflow_round_trip(finished_run: Path, tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="the [track] extra (make test installs it)")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    node = {"_target_": "protsweep.launch.loggers.mlflow.MlflowLogger", "tracking_uri": uri, "experiment": "head/ts1"}
    cfg = OmegaConf.create({**CONFIG, "logger": node})
    build_logger(cfg).write(finished_run, cfg)

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("head/ts1")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == finished_run.name and run.info.status == "FINISHED"
    assert run.data.params["trainer.lr_full"] == "0.0001"
    assert run.data.params["model.d_key"] == "8"
    assert run.data.params["logger.tracking_uri"] == uri
    assert run.data.metrics["test/auc"] == pytest.approx(0.8125)
    assert run.data.metrics["epochs_run"] == 3
    history = client.get_metric_history(run.info.run_id, "frozen/val_auc")
    assert sorted((m.step, m.value) for m in history) == [(1, 0.55), (2, 0.61)]
    assert [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, "full/loss")] == [(3, 0.5)]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"run.json", "metrics.json", "history.csv", "predictions.csv", "hydra"} <= artifacts
    assert (tmp_path / "store" / "mlartifacts").is_dir()  # artifacts beside the database, not in ./mlruns

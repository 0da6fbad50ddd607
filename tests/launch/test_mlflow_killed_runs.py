"""A relaunched job marks KILLED the MLflow run its killed launch left RUNNING, before it opens its own; runs
of other job folders are left alone. Against a real local SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from protsweep.launch.loggers import build_logger, live_callbacks, publish_record
from protsweep.record import RunRecord

from .test_mlflow_conventions import ROWS, job_config

mlflow = pytest.importorskip("mlflow", reason="the [track] extra (make test installs it)")
from mlflow.tracking import MlflowClient  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"


def launch(run_dir: Path, cfg) -> tuple[RunRecord, object]:
    """A job's start: its record, the tracker's live run, one epoch sent."""
    record = RunRecord(run_dir)
    record.start(seed=int(cfg.seed), overrides=[f"seed={cfg.seed}"], choices={})
    tracker = build_logger(cfg)
    record.callbacks = [*record.callbacks, *live_callbacks(tracker, run_dir, cfg, record)]
    record.events().on_row(ROWS[0])
    return record, tracker


def runs_by_status(client: MlflowClient) -> dict[str, list[str]]:
    experiment = client.get_experiment_by_name("head_route").experiment_id
    out: dict[str, list[str]] = {}
    for run in client.search_runs([experiment]):
        out.setdefault(run.info.status, []).append(run.info.run_id)
    return out


def test_a_relaunch_marks_the_killed_launch_run_killed(tmp_path: Path, store: str, capsys) -> None:
    cfg = job_config(store, "seed=2")
    job = tmp_path / "runs" / "seed=2"
    launch(job, cfg)  # killed here: its run is never closed
    other_job = tmp_path / "runs" / "seed=3"
    launch(other_job, job_config(store, "seed=3"))  # another job, still training
    client = MlflowClient(store)
    killed_run, other_run = sorted(runs_by_status(client)["RUNNING"],
                                   key=lambda r: client.get_run(r).info.run_name != "seed=2")
    capsys.readouterr()

    record, tracker = launch(job, cfg)  # the relaunch (resume or rerun) of the same job folder
    assert client.get_run(killed_run).info.status == "KILLED"
    assert client.get_run(other_run).info.status == "RUNNING"  # not this job's: left alone
    err = capsys.readouterr().err
    assert killed_run in err and "KILLED" in err and len(err.strip().splitlines()) == 1
    record.write_metrics({"test": {"auc": 0.7}})
    record.complete()
    tracker.write(job, cfg)
    statuses = runs_by_status(client)
    assert statuses["KILLED"] == [killed_run] and statuses["RUNNING"] == [other_run]
    assert len(statuses["FINISHED"]) == 1  # the relaunch's own run, closed


def test_a_relaunch_that_skips_the_completed_job_closes_the_dead_run_too(tmp_path: Path, store: str) -> None:
    cfg = job_config(store, "seed=4")
    job = tmp_path / "runs" / "seed=4"
    record, _ = launch(job, cfg)
    record.write_metrics({"test": {"auc": 0.7}})
    record.complete()  # killed after completing, before closing its run
    client = MlflowClient(store)
    (dead,) = runs_by_status(client)["RUNNING"]
    publish_record(cfg, job)  # the relaunch skips the completed job and logs it
    statuses = runs_by_status(client)
    assert statuses.get("RUNNING") is None and statuses["KILLED"] == [dead] and len(statuses["FINISHED"]) == 1

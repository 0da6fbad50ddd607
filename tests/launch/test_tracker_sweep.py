"""The trackers through the real CLI: a sweep logged to MLflow (parent run, nested jobs, plain params, live
epochs, verdict table), a second sweep whose jobs are reused from the first (logged, tagged ``reused_from``),
and a relaunch of the first with logger=tensorboard, whose skipped jobs are written too."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import TINY_RUN

ARGS = ["-m", "seed=5,6", *TINY_RUN, "trainer.epochs_frozen=2", "data.limit=200", "progress=never"]


@pytest.mark.slow
def test_sweeps_in_mlflow_and_tensorboard(cli, jobs_of, tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="the [track] extra (make test installs it)")
    pytest.importorskip("tensorboard", reason="the [track] extra (make test installs it)")
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    sweeps = tmp_path / "outputs" / "sweeps"
    for name, logger in (("a", "mlflow"), ("b", "mlflow"), ("a", "tensorboard")):
        done = cli([*ARGS, f"logger={logger}", f"hydra.sweep.dir={sweeps / name}"], cwd=tmp_path, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "could not" not in done.stderr, done.stderr[-2000:]

    client = MlflowClient(f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("adhoc")  # the route's name (no sweep file: adhoc)
    assert experiment is not None

    def search(filter_string: str) -> list:
        return client.search_runs([experiment.experiment_id], filter_string)

    parents = {Path(r.data.tags["protsweep.sweep_dir"]).name: r for r in search("tags.`protsweep.role` = 'sweep'")}
    assert sorted(parents) == ["a", "b"] and {r.info.status for r in parents.values()} == {"FINISHED"}
    assert {"results", "verdicts.json"} <= {a.path for a in client.list_artifacts(parents["a"].info.run_id)}
    jobs = search("params.`trainer.freeze` = 'two_stage'")
    assert len(jobs) == 4 and {r.info.status for r in jobs} == {"FINISHED"}
    for run in jobs:
        sweep = Path(run.data.tags["protsweep.sweep_dir"]).name
        assert run.data.tags["mlflow.parentRunId"] == parents[sweep].info.run_id
        assert run.data.tags["weights"] == "random" and run.data.tags["family"] == "proteinbert"
    seed_5 = search("tags.seed = '5'")
    assert len(seed_5) == 2 and {r.data.metrics["test/auc"] for r in seed_5} == {seed_5[0].data.metrics["test/auc"]}
    (reused,) = [r for r in seed_5 if "reused_from" in r.data.tags]
    trained = next(r for r in seed_5 if r is not reused)
    assert reused.data.tags["reused_from"] == trained.data.tags["protsweep.job_dir"]
    history = client.get_metric_history(trained.info.run_id, "frozen/val_auc")
    assert sorted(m.step for m in history) == [1, 2] and len({m.timestamp for m in history}) == 2
    assert {"model", "curves.png", "predictions.csv"} <= {a.path for a in client.list_artifacts(trained.info.run_id)}

    groups = set()
    for job in jobs_of(sweeps / "a"):
        events = EventAccumulator(str(job / "tensorboard"))
        events.Reload()
        content = events.PluginTagToContent("hparams")["_hparams_/session_start_info"]
        start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
        assert start.hparams["seed"].number_value in (5, 6)
        groups.add(start.group_name)
    assert len(groups) == 1 and "seed" not in next(iter(groups))  # both seeds in one variant's group

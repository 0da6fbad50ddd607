"""Real sweeps of the tiny model under each launcher: same predictions, aggregation, exit status from disk,
thread limits read back from inside each job, progress lines, and the loggers wired end to end."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .overrides import group

pytestmark = pytest.mark.slow

LIMIT = "data.limit=120"
SEEDS = "seed=0,1"
#: What resources.threads=auto gives each job of local_parallel at n_jobs=2 on this machine.
THREADS = max(1, len(os.sched_getaffinity(0)) // 2)
PARALLEL = ("hydra/launcher=local_parallel", "hydra.launcher.n_jobs=2")
SUBMITIT = ("hydra/launcher=submitit_local", f"hydra.launcher.cpus_per_task={THREADS}")


def _sweep(cli, tiny_run, root: Path, *args: str):
    sweep_dir = root / "sw"
    out = cli(["-m", *tiny_run, LIMIT, SEEDS, *args, f"hydra.sweep.dir={sweep_dir}"], cwd=root)
    return sweep_dir, out


@pytest.fixture(scope="module")
def reference(tmp_path_factory, cli, tiny_run) -> Path:
    """The basic launcher, one job after another in this process, at the thread count the others will use."""
    sweep_dir, out = _sweep(cli, tiny_run, tmp_path_factory.mktemp("basic"), f"++resources.threads={THREADS}")
    assert out.returncode == 0, out.stderr[-3000:]
    return sweep_dir


@pytest.fixture(scope="module")
def parallel(tmp_path_factory, cli, tiny_run):
    root = tmp_path_factory.mktemp("parallel")
    return _sweep(cli, tiny_run, root, *PARALLEL, "progress=always", group("logger", "tensorboard"))


@pytest.fixture(scope="module")
def submitit(tmp_path_factory, cli, tiny_run):
    return _sweep(cli, tiny_run, tmp_path_factory.mktemp("submitit"), *SUBMITIT, group("logger", "mlflow"))


def by_seed(sweep_dir: Path, jobs_of) -> dict[int, Path]:
    return {yaml.safe_load((j / ".hydra" / "config.yaml").read_text())["seed"]: j for j in jobs_of(sweep_dir)}


@pytest.mark.parametrize("launched", ["parallel", "submitit"])
def test_sweep_completes_with_the_basic_launchers_predictions(request, launched, reference, jobs_of, read_json):
    sweep_dir, out = request.getfixturevalue(launched)
    assert out.returncode == 0, out.stderr[-3000:]
    jobs, expected = by_seed(sweep_dir, jobs_of), by_seed(reference, jobs_of)
    assert sorted(jobs) == sorted(expected) == [0, 1]
    for seed, job in jobs.items():
        run = read_json(job / "run.json")
        assert run["status"] == "completed"
        # TensorFlow's own pools, read back inside the job after protsweep set them
        assert run["resources"]["threads"] == THREADS
        assert run["resources"]["tensorflow"] == {"intra_op": THREADS, "inter_op": THREADS}
        got = pd.read_csv(job / "predictions.csv")
        pd.testing.assert_frame_equal(got, pd.read_csv(expected[seed] / "predictions.csv"), check_exact=True)
    per_run = pd.read_csv(sweep_dir / "results" / "per_run.csv")  # the end-of-sweep aggregation ran
    assert len(per_run) == 2


def test_local_parallel_reports_progress_from_disk(parallel, read_json, jobs_of) -> None:
    sweep_dir, out = parallel
    assert "protsweep: job 2/2 done, 0 failed" in out.stderr
    assert all(read_json(j / "run.json")["resources"]["fresh_process"] for j in jobs_of(sweep_dir))


def test_tensorboard_logger_under_local_parallel(parallel, jobs_of) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    sweep_dir, _ = parallel
    for job in jobs_of(sweep_dir):
        events = EventAccumulator(str(job / "tensorboard"))
        events.Reload()
        history = pd.read_csv(job / "history.csv")
        assert [s.value for s in events.Scalars("frozen/val_auc")] == pytest.approx(history["val_auc"].tolist())


def test_mlflow_logger_under_submitit(submitit, jobs_of, read_json) -> None:
    from mlflow.tracking import MlflowClient

    sweep_dir, _ = submitit
    client = MlflowClient(f"sqlite:///{sweep_dir.parent / 'outputs' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("adhoc")  # one experiment per route (ablation.name)
    jobs = client.search_runs([experiment.experiment_id], "tags.`protsweep.role` = 'job'")  # not the sweep's run
    runs = {r.info.run_name: r for r in jobs}
    assert sorted(runs) == sorted(j.name for j in jobs_of(sweep_dir))
    for job in jobs_of(sweep_dir):
        assert runs[job.name].data.metrics["test/auc"] == pytest.approx(read_json(job / "metrics.json")["test"]["auc"])
        assert runs[job.name].info.status == "FINISHED"


@pytest.mark.parametrize(
    "launcher",
    [(), ("hydra/launcher=local_parallel", "hydra.launcher.n_jobs=1"), ("hydra/launcher=submitit_local",)],
    ids=["basic", "local_parallel", "submitit_local"],
)
def test_failing_jobs_make_the_sweep_exit_nonzero(launcher, cli, tiny_run, tmp_path, jobs_of, read_json) -> None:
    # limit=6 leaves one class in a split: a data error in every job
    args = ["-m", *tiny_run, "data.limit=6", SEEDS, *launcher, f"hydra.sweep.dir={tmp_path / 'sw'}"]
    out = cli(args, cwd=tmp_path)
    assert out.returncode == 1
    assert "protsweep: 2 job(s) failed: " in out.stderr
    assert "Traceback" not in out.stderr
    runs = [read_json(j / "run.json") for j in jobs_of(tmp_path / "sw")]
    assert [r["status"] for r in runs] == ["failed", "failed"]
    assert all("split has only one class" in r["error"] for r in runs)
    for job in jobs_of(tmp_path / "sw"):  # each job's own line reaches the terminal (relayed under submitit)
        assert f"protsweep: error [{job.name}]: " in out.stderr
    assert not (tmp_path / "sw" / ".submitit" / "%j").exists()
    if "hydra/launcher=local_parallel" in launcher:  # one worker, yet a fresh process for each job
        assert runs[0]["resources"]["pid"] != runs[1]["resources"]["pid"]

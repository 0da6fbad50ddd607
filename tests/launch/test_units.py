"""Pure pieces of protsweep.launch: thread rules, sweep expansion, outcome and progress read from disk."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from protsweep.errors import ConfigError
from protsweep.launch.fresh import record_crash
from protsweep.launch.monitor import SweepWatch
from protsweep.launch.outcome import BASIC_SWEEPER, JobTable, Outcome, expected_jobs
from protsweep.launch.progress import (
    EpochProgress,
    eta_seconds,
    format_duration,
    format_sweep_line,
    progress_enabled,
)
from protsweep.launch.resources import (
    JobResources,
    configure_torch,
    thread_env,
    threads_per_job,
    wants_fresh_process,
)
from protsweep.record import RunRecord

JOBLIB = {"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher", "n_jobs": 2}
SUBMITIT = {"_target_": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher", "cpus_per_task": 3}
BASIC = {"_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"}


@pytest.mark.parametrize(
    ("setting", "launcher", "cores", "expected"),
    [
        ("auto", JOBLIB, 16, 8),
        ("auto", JOBLIB, 3, 1),  # 3 cores, 2 jobs: one thread each, never zero
        ("auto", {**JOBLIB, "n_jobs": -1}, 16, 1),  # joblib's -1: one job per core
        ("auto", {**JOBLIB, "n_jobs": -2}, 16, 1),  # 15 jobs on 16 cores
        ("auto", {**JOBLIB, "n_jobs": 3}, 16, 5),
        ("auto", SUBMITIT, 16, 3),
        ("auto", BASIC, 16, None),  # one job at a time: the frameworks' defaults
        (None, JOBLIB, 16, None),
        (4, JOBLIB, 16, 4),
    ],
)
def test_threads_per_job(setting, launcher, cores, expected) -> None:
    assert threads_per_job(setting, launcher, cores) == expected


def test_bad_thread_count_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"resources\.threads must be"):
        threads_per_job(0, BASIC, 4)


def test_only_worker_reusing_launchers_get_a_fresh_process() -> None:
    assert wants_fresh_process("auto", JOBLIB["_target_"])
    assert not wants_fresh_process("auto", SUBMITIT["_target_"])
    assert not wants_fresh_process("auto", BASIC["_target_"])
    assert wants_fresh_process(True, BASIC["_target_"])
    assert not wants_fresh_process(False, JOBLIB["_target_"])


def test_thread_env_covers_blas_openmp_and_tensorflow() -> None:
    env = thread_env(2)
    assert env["OMP_NUM_THREADS"] == env["TF_NUM_INTRAOP_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "2"
    assert thread_env(None) == {}


def test_torch_threads_are_applied_and_read_back() -> None:
    import torch

    before = torch.get_num_threads()
    try:
        res = JobResources(1, False, (), False, True, False)
        assert configure_torch(res)["intra_op"] == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def _sweep_config(params: dict, task: list[str]):
    return OmegaConf.create(
        {"hydra": {"sweeper": {"_target_": BASIC_SWEEPER, "params": params}, "overrides": {"task": task}}}
    )


def test_expected_jobs_expand_like_the_basic_sweeper() -> None:
    cfg = _sweep_config({"seed": "range(2)"}, ["head=default,two_layer", "data.limit=5"])
    assert expected_jobs(cfg) == [
        ("seed=0", "head=default", "data.limit=5"),
        ("seed=0", "head=two_layer", "data.limit=5"),
        ("seed=1", "head=default", "data.limit=5"),
        ("seed=1", "head=two_layer", "data.limit=5"),
    ]
    other = OmegaConf.create({"hydra": {"sweeper": {"_target_": "some.OtherSweeper"}, "overrides": {"task": []}}})
    assert expected_jobs(other) is None


def _job(sweep: Path, overrides: list[str], status: str | None) -> Path:
    job = sweep / ",".join(overrides)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if status is not None:
        record = RunRecord(job)
        record.start(seed=0)
        if status == "completed":
            record.complete()
        elif status == "failed":
            record.fail("boom")
    return job


def test_outcome_counts_failed_unfinished_and_missing_jobs_of_this_launch_only(tmp_path: Path) -> None:
    _job(tmp_path, ["seed=0"], "completed")
    _job(tmp_path, ["seed=1"], "failed")
    _job(tmp_path, ["seed=2"], "running")  # its process died
    _job(tmp_path, ["seed=9"], "failed")  # an older launch into the same sweep directory
    expected = [("seed=0",), ("seed=1",), ("seed=2",), ("seed=3",)]  # seed=3 never got a folder
    outcome = Outcome(multirun=True, statuses=JobTable(tmp_path, expected).statuses())
    assert outcome.failed == ["seed=1", "seed=2", "seed=3"]
    assert outcome.failure_line() == "protsweep: 3 job(s) failed: seed=1, seed=2, seed=3 (see run.json in each)"
    assert Outcome(multirun=True, statuses={"a": "completed"}).failure_line() is None


def test_sweep_watch_counts_skipped_and_newly_finished_jobs(tmp_path: Path) -> None:
    _job(tmp_path, ["seed=0"], "completed")  # completed before the launch: skipped, done
    rerun = _job(tmp_path, ["seed=1"], "failed")  # failed before: its old record must not count
    table = JobTable(tmp_path, [("seed=0",), ("seed=1",), ("seed=2",)])
    watch = SweepWatch(table, enabled=False, rerun_completed=False)
    assert watch.tally() == (1, 0, 0)
    record = RunRecord(rerun)
    record.start(seed=1)
    assert watch.tally() == (1, 0, 0)  # running again: not done
    record.fail("again")
    assert watch.tally() == (2, 1, 1)
    _job(tmp_path, ["seed=2"], "completed")
    assert watch.tally() == (3, 1, 2)
    assert SweepWatch(table, enabled=False, rerun_completed=True).tally() == (0, 0, 0)  # all as at launch


def test_record_crash_marks_a_dead_job_failed_and_keeps_its_record(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    record.start(seed=4, overrides=["seed=4"])
    record_crash(tmp_path, -9)
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["status"] == "failed" and info["seed"] == 4 and info["ended_at"] is not None
    assert info["error"] == "the job's process was killed by SIGKILL"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_quiet_off_a_terminal_and_in_ci() -> None:
    assert progress_enabled("auto", _Tty(), env={})
    assert progress_enabled(True, _Tty(), env={})
    assert not progress_enabled("auto", io.StringIO(), env={})
    assert not progress_enabled("auto", _Tty(), env={"CI": "true"})
    assert progress_enabled("always", io.StringIO(), env={"CI": "true"})
    assert not progress_enabled(False, _Tty(), env={})
    assert not progress_enabled("never", _Tty(), env={})
    with pytest.raises(ConfigError, match="progress must be"):
        progress_enabled("loud", _Tty(), env={})


def test_epoch_progress_prints_stage_epoch_loss_auc_and_pace() -> None:
    ticks = iter([100.0, 112.5, 120.0])
    out = io.StringIO()
    listen = EpochProgress({"frozen": 40}, label="seed=3", setting="always", stream=out, clock=lambda: next(ticks))
    listen({"stage": "frozen", "epoch": 1, "loss": 0.69312, "val_loss": 0.7, "val_auc": 0.61234, "lr": 0.01})
    listen({"stage": "full", "epoch": 1, "loss": 0.5, "val_auc": float("nan")})
    assert out.getvalue().splitlines() == [
        "[seed=3] frozen epoch 1/40  loss 0.6931  val_auc 0.6123  12.5 s/epoch",
        "[seed=3] full epoch 1  loss 0.5000  val_auc -  7.5 s/epoch",
    ]
    quiet = io.StringIO()
    EpochProgress(setting="auto", stream=quiet)({"stage": "frozen", "epoch": 1, "loss": 0.5})
    assert quiet.getvalue() == ""


def test_sweep_line_and_eta() -> None:
    assert eta_seconds(120.0, 3, 9) == pytest.approx(360.0)
    assert eta_seconds(5.0, 0, 9) is None
    assert format_duration(4000) == "1h06m" and format_duration(250) == "4m10s" and format_duration(42) == "42s"
    assert format_sweep_line(3, 12, 1, 250.0) == "protsweep: job 3/12 done, 1 failed, ETA 4m10s"
    assert format_sweep_line(12, 12, 0, 0.0) == "protsweep: job 12/12 done, 0 failed"
    assert format_sweep_line(2, None, 0, None) == "protsweep: job 2 done, 0 failed"


"""The submitit launchers' own logic, without a cluster: job states from squeue when sacct does not answer,
bounded local concurrency, failure lines relayed from job logs, the unexpanded ``.submitit/%j`` removed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from submitit.slurm.slurm import SlurmJob

from protsweep.launch import submitit_jobs
from protsweep.launch.submitit_jobs import (
    SqueueWatcher,
    concurrent_limit,
    relay_errors,
    remove_empty_template_folder,
    submit_bounded,
    use_squeue_without_accounting,
)


def fake_command(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def test_squeue_states_with_arrays_and_jobs_that_left_the_queue() -> None:
    watcher = SqueueWatcher(delay_s=60)
    for job_id in ("7_0", "7_1", "7_2", "7_3", "9"):
        watcher.register_job(job_id)
    # squeue --states=all -o '%i|%T|%N': a completed task, two pending as a range; job 9 purged
    # a node booting for 7_0 (CONFIGURING is no state submitit knows: it would take the job for ended)
    info = watcher.read_info("7_0|CONFIGURING|node1\n7_1|COMPLETED|node1\n7_[2-3]|PENDING|\n")
    assert {job: fields["State"] for job, fields in info.items()} == {
        "7_0": "PENDING", "7_1": "COMPLETED", "7_2": "PENDING", "7_3": "PENDING", "9": "GONE",
    }  # fmt: skip
    watcher._info_dict.update(info)
    assert [watcher.is_done(j, mode="cache") for j in ("7_0", "7_1", "7_2", "9")] == [False, True, False, True]


def test_without_accounting_submitit_reads_squeue(tmp_path: Path, monkeypatch) -> None:
    fake_command(tmp_path, "sacct", 'echo "Slurm accounting storage is disabled" >&2; exit 1')
    fake_command(tmp_path, "squeue", 'echo "5_0|RUNNING|vm"')
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setattr(SlurmJob, "watcher", SlurmJob.watcher)  # restored after the test
    submitit_jobs.accounting_available.cache_clear()
    try:
        use_squeue_without_accounting()
        assert isinstance(SlurmJob.watcher, SqueueWatcher)
        assert SlurmJob.watcher.get_state("5_0", mode="force") == "RUNNING"
        assert SlurmJob.watcher.num_calls == 1
    finally:
        submitit_jobs.accounting_available.cache_clear()


def test_with_accounting_submitit_keeps_sacct(tmp_path: Path, monkeypatch) -> None:
    fake_command(tmp_path, "sacct", "exit 0")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    original = SlurmJob.watcher
    monkeypatch.setattr(SlurmJob, "watcher", original)
    submitit_jobs.accounting_available.cache_clear()
    try:
        use_squeue_without_accounting()
        assert SlurmJob.watcher is original
    finally:
        submitit_jobs.accounting_available.cache_clear()


@pytest.mark.parametrize(
    ("cpus", "mem_gb", "expected"),
    [(1, None, 8), (3, None, 2), (None, None, 1), (16, None, 1), (1, 10, 3), (2, 40, 1)],
)
def test_local_jobs_at_once_fit_the_cores_and_memory(cpus, mem_gb, expected) -> None:
    assert concurrent_limit(cpus, mem_gb, cores=8, total_gb=32.0) == expected


@dataclass
class FakePaths:
    stderr: Path
    result_pickle: Path


class FakeJob:
    """A job that is done after ``polls`` calls of ``done()``; records how many jobs run at once."""

    running: ClassVar[list[FakeJob]] = []
    most = 0

    def __init__(self, folder: Path, name: str, polls: int, error: str | None = None) -> None:
        self.job_id, self.state, self.polls = name, "COMPLETED", polls
        self.paths = FakePaths(folder / f"{name}.err", folder / f"{name}.pkl")
        self.paths.stderr.write_text(f"noise\n{error}\n" if error else "noise\n")
        self.paths.result_pickle.write_text("r")
        FakeJob.running.append(self)
        FakeJob.most = max(FakeJob.most, len(FakeJob.running))

    def done(self) -> bool:
        self.polls -= 1
        if self.polls <= 0 and self in FakeJob.running:
            FakeJob.running.remove(self)
        return self.polls <= 0


def test_submit_bounded_runs_at_most_limit_jobs_and_relays_each_failure(tmp_path: Path, capsys) -> None:
    FakeJob.running, FakeJob.most = [], 0
    params = [(f"j{i}", 1 + i % 3, "protsweep: error [j3]: data split has one class" if i == 3 else None)
              for i in range(7)]  # fmt: skip
    jobs = submit_bounded(lambda *args: FakeJob(tmp_path, *args), params, limit=3, poll_s=0.0)
    assert [job.job_id for job in jobs] == [f"j{i}" for i in range(7)]
    assert FakeJob.most == 3
    assert capsys.readouterr().err == "protsweep: error [j3]: data split has one class\n"


def test_a_job_without_a_result_is_one_line(tmp_path: Path, capsys) -> None:
    job = FakeJob(tmp_path, "12_4", polls=1)
    job.state = "NODE_FAIL"
    job.paths.result_pickle.unlink()
    relay_errors(job)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "12_4 ended without a result (state NODE_FAIL)" in err and str(job.paths.stderr) in err


def test_the_unexpanded_job_folder_is_removed_only_when_empty(tmp_path: Path) -> None:
    template = tmp_path / ".submitit" / "%j"
    template.mkdir(parents=True)
    remove_empty_template_folder(str(template))
    assert not template.exists() and template.parent.is_dir()
    template.mkdir()
    (template / "kept.txt").write_text("x")
    remove_empty_template_folder(str(template))
    assert (template / "kept.txt").exists()

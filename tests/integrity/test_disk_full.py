"""A full disk during a job (issue 21, point 7): the job's folder is a small tmpfs that fills while the job
writes its outputs. The job fails in one line and is recorded ``failed``, the sweep goes on to the next job,
and a relaunch with space trains it to the same result as an uninterrupted sweep. Needs root (mount);
skipped elsewhere. Also: a relaunch removes what killed jobs left (temporary files, feature caches)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from protsweep.integrity.faults import disk_problem, remove_leftovers

from ..conftest import TINY_RUN
from .test_fault_injection import _env, table

ARGS = ["-m", *TINY_RUN, "data.limit=200", "seed=0,1", "progress=never"]
PAGE = 4096


def launch(sweep: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "protsweep", *ARGS, f"hydra.sweep.dir={sweep}"], cwd=cwd,
                          env=_env(), capture_output=True, text=True, timeout=900)


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``folder`` for the block (the test skips where none can be mounted)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> Path:
    stat = os.statvfs(folder)
    filler = folder / "filler.bin"
    filler.write_bytes(b"\0" * max(stat.f_bavail * stat.f_frsize - leave, 0))
    return filler


def info(job: Path) -> dict:
    return json.loads((job / "run.json").read_text())


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_fails_the_job_in_one_line_and_the_sweep_goes_on(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    out = launch(whole, tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    names = sorted(p.name for p in whole.iterdir() if "seed=" in p.name)
    assert len(names) == 2

    sweep = tmp_path / "full"
    first, second = sweep / names[0], sweep / names[1]
    with tmpfs(first, "1m"):
        # room for every file the job writes before its saved model, and half the model: that write fails
        written = [p for p in (whole / names[0]).rglob("*") if p.is_file() and p.parent.name != "model"]
        weights = (whole / names[0] / "model" / "model.safetensors").stat().st_size
        room = sum(-(-p.stat().st_size // PAGE) * PAGE for p in written) + 4 * PAGE + weights // 2
        filler = fill(first, room)
        out = launch(sweep, tmp_path)
        errors = [line for line in out.stderr.splitlines() if line.startswith("protsweep: error")]
        assert out.returncode != 0
        assert "Traceback" not in out.stderr and "Logging error" not in out.stderr, out.stderr[-3000:]
        assert len(errors) == 1, out.stderr[-3000:]
        assert errors[0] == (f"protsweep: error [{names[0]}]: {first}/model/model.safetensors: cannot write "
                             "(the disk is full)"), errors[0]
        assert info(first)["status"] == "failed"
        assert info(first)["error"] == errors[0].split(": error [" + names[0] + "]: ", 1)[1]
        assert info(second)["status"] == "completed"  # the sweep went on
        assert not list(first.glob(".*.tmp")) and not list(first.glob("model/.*.tmp"))

        filler.unlink()  # space again: the relaunch trains the failed job, and only it
        ended = info(second)["ended_at"]
        out = launch(sweep, tmp_path)
        assert out.returncode == 0, out.stderr[-3000:]
        assert info(first)["status"] == "completed" and info(second)["ended_at"] == ended
        for name in names:
            pd.testing.assert_frame_equal(pd.read_csv(sweep / name / "predictions.csv"),
                                          pd.read_csv(whole / name / "predictions.csv"))
        got, want = table(sweep), table(whole)
        pd.testing.assert_frame_equal(got[0], want[0])
        pd.testing.assert_frame_equal(got[1], want[1])


def test_disk_faults_are_one_line_naming_the_file() -> None:
    full = OSError(28, "No space left on device", "/runs/x/predictions.csv")
    assert disk_problem(full) == "/runs/x/predictions.csv: cannot write (the disk is full)"
    wrapped = RuntimeError("framework error")
    wrapped.__cause__ = OSError(30, "Read-only file system", "/runs/x/run.json")
    assert disk_problem(wrapped) == "/runs/x/run.json: cannot write (the file system is read-only)"
    assert disk_problem(PermissionError(13, "Permission denied", "/data/x.csv")) == (
        "/data/x.csv: cannot access (permission denied)")
    assert disk_problem(ValueError("not a disk fault")) is None
    assert disk_problem(FileNotFoundError(2, "missing", "/x")) is None


def test_a_relaunch_removes_what_a_killed_job_left(tmp_path: Path) -> None:
    job = tmp_path / "job"
    (job / ".feature-cache-abc123").mkdir(parents=True)
    (job / ".feature-cache-abc123" / "frozen.npy").write_bytes(b"\0" * 1024)
    (job / ".history.csv.k2j3.tmp").write_text("stage,epoch\n")
    (job / "model").mkdir()
    (job / "model" / ".model.safetensors.x9.tmp").write_bytes(b"partial")
    kept = ["run.json", "predictions.csv", ".protsweep.lock", "model/model.safetensors", ".hydra/config.yaml"]
    for name in kept:
        (job / name).parent.mkdir(parents=True, exist_ok=True)
        (job / name).write_text("keep")
    removed = remove_leftovers(job)
    assert sorted(p.name for p in removed) == [".feature-cache-abc123", ".history.csv.k2j3.tmp",
                                               ".model.safetensors.x9.tmp"]
    assert sorted(str(p.relative_to(job)) for p in job.rglob("*") if p.is_file()) == sorted(kept)


def _one_line(out: subprocess.CompletedProcess, prefix: str) -> str:
    errors = [line for line in out.stderr.splitlines() if "error" in line]
    assert out.returncode != 0
    assert "Traceback" not in out.stderr + out.stdout, out.stderr[-3000:]
    assert len(errors) == 1, out.stderr[-3000:]
    assert errors[0].startswith(prefix), errors[0]
    return errors[0]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
@pytest.mark.parametrize("mode", [[], ["-m", "seed=0,1"]], ids=["run", "multirun"])
def test_a_read_only_output_folder_is_one_line(tmp_path: Path, mode: list[str]) -> None:
    folder = tmp_path / "ro"
    with tmpfs(folder, "1m"):
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        key = "hydra.sweep.dir" if mode else "hydra.run.dir"
        out = subprocess.run([sys.executable, "-m", "protsweep", *mode, *TINY_RUN, f"{key}={folder}/out"],
                             cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
        line = _one_line(out, f"protsweep: error: {key}={folder}/out: cannot write there")
        assert line.endswith(f"({folder}: the file system is read-only); choose another folder")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_the_aggregator_on_a_read_only_or_full_disk_is_one_line(tmp_path: Path) -> None:
    from tests.aggregate.runrecords import make_head_sweep

    folder = tmp_path / "disk"
    with tmpfs(folder, "4m"):
        sweep = make_head_sweep(folder, seeds=range(2), n=60)
        before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        command = [sys.executable, "-m", "protsweep.aggregate.cli", str(sweep), "--n-boot", "50"]
        out = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
        line = _one_line(out, "protsweep-aggregate: error: ")
        assert "cannot write (the file system is read-only); nothing already written was changed" in line
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
        fill(folder, 0)
        out = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
        line = _one_line(out, "protsweep-aggregate: error: ")
        assert "cannot write (the disk is full); nothing already written was changed" in line
        (folder / "filler.bin").unlink()
        assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # no partial results left


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_predict_output_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    from protsweep.errors import ProtsweepError
    from protsweep.saved.out_path import write_out

    folder = tmp_path / "disk"
    with tmpfs(folder, "256k"):
        filler = fill(folder, 0)
        frame = pd.DataFrame({"id": [f"s{i}" for i in range(20000)], "prob": 0.5})
        with pytest.raises(ProtsweepError) as err:
            write_out(folder / "scores.csv", frame)
        assert str(err.value) == (f"--out {folder}/scores.csv: cannot write it (the disk is full); nothing was "
                                  "written there")
        assert sorted(p.name for p in folder.iterdir()) == [filler.name]

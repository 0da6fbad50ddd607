"""SIGKILL a tiny two-job multirun at several points (data loading, the runner, writing records,
aggregation), relaunch after each, and check: no completed job re-runs, no partial file counts as complete,
and the final table equals an uninterrupted sweep's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import TINY_RUN

ARGS = ["-m", *TINY_RUN, "data.limit=200", "seed=0,1"]


def _info(job: Path) -> dict:
    try:
        return json.loads((job / "run.json").read_text())
    except (OSError, ValueError):
        return {}


def _jobs(sweep: Path) -> list[Path]:
    return sorted(p for p in sweep.glob("*seed=*") if p.is_dir()) if sweep.is_dir() else []


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "USE_TF": "0"}
    env.pop("HYDRA_FULL_ERROR", None)
    return env


def run_until(sweep: Path, cwd: Path, point: Callable[[Path], bool] | None) -> bool:
    """Launch the sweep; SIGKILL it as soon as ``point(sweep)`` holds. True when it was killed."""
    proc = subprocess.Popen([sys.executable, "-m", "protsweep", *ARGS, f"hydra.sweep.dir={sweep}"], cwd=cwd,
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 400
    while proc.poll() is None and time.monotonic() < deadline:
        if point is not None and point(sweep):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the sweep did not finish in time")
    return False


def _framework_threads_applied(info: dict) -> bool:
    """True once the job has applied TensorFlow's threads: that happens after its data was loaded."""
    return "tensorflow" in (info.get("resources") or {})


def loading_data(sweep: Path) -> bool:
    return any(_info(j).get("status") == "running" and not _framework_threads_applied(_info(j)) for j in _jobs(sweep))


def in_runner(sweep: Path) -> bool:
    return any(_info(j).get("status") == "running" and _framework_threads_applied(_info(j)) for j in _jobs(sweep))


def writing_records(sweep: Path) -> bool:
    return any((j / "predictions.csv").exists() and _info(j).get("status") == "running" for j in _jobs(sweep))


def aggregating(sweep: Path) -> bool:
    jobs = _jobs(sweep)
    return len(jobs) == 2 and all(_info(j).get("status") == "completed" for j in jobs)


def completed(sweep: Path) -> dict[str, str]:
    """Completed jobs and their end time; each one's files must be whole."""
    done = {}
    for job in _jobs(sweep):
        info = _info(job)
        if info.get("status") == "completed":
            assert len(pd.read_csv(job / "predictions.csv")) > 0
            assert json.loads((job / "metrics.json").read_text())
            done[job.name] = info["ended_at"]
    return done


def table(sweep: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    per_run = pd.read_csv(sweep / "results" / "per_run.csv").drop(columns=["wall_seconds", "run_dir"])
    return per_run.sort_values("seed").reset_index(drop=True), pd.read_csv(sweep / "results" / "summary.csv")


@pytest.mark.slow
def test_killed_sweep_relaunched_equals_uninterrupted(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    assert not run_until(whole, tmp_path, None)

    sweep = tmp_path / "killed"
    hit = []
    ever_done: dict[str, str] = {}
    for name, point in [("data loading", loading_data), ("runner", in_runner),
                        ("writing records", writing_records), ("aggregation", aggregating)]:
        if run_until(sweep, tmp_path, point):
            hit.append(name)
        done = completed(sweep)
        for job, ended in ever_done.items():
            assert done.get(job) == ended, f"{job} re-ran after the kill during {name}"
        ever_done.update(done)
    assert not run_until(sweep, tmp_path, None)
    assert completed(sweep) == {**ever_done, **completed(sweep)} and len(completed(sweep)) == 2
    for job, ended in ever_done.items():
        assert completed(sweep)[job] == ended  # no completed job re-ran
    assert not list(sweep.glob("*/.protsweep.lock"))  # stale locks of killed launches were taken over
    assert {"data loading", "runner"} <= set(hit), hit
    got, want = table(sweep), table(whole)
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1])

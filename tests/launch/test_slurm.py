"""Sweeps under ``hydra/launcher=slurm`` on a real one-node SLURM cluster (scripts/slurm-local.sh): the basic
launcher's predictions, a job requeued mid-training that completes once, a failing job's line on the terminal,
a relaunch that trains nothing. Skipped, with the script's reason, where the cluster cannot start (not root, or
no slurm-wlm/munge packages: `.ci/run` installs them where it can)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from protsweep.integrity.locks import JOB_LOCK

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slurm-local.sh"
LIMIT = "data.limit=120"
SLURM = ("hydra/launcher=slurm", "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=2",
         "hydra.launcher.timeout_min=10")  # fmt: skip
#: The line a ProteinBERT job logs when its training starts (in its .submitit log).
TRAINING_STARTS = "stage frozen: up to"


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """A one-node cluster for this module's tests; SLURM_CONF points the client commands at it."""
    check = subprocess.run([str(SCRIPT), "check"], capture_output=True, text=True)
    if check.returncode != 0:
        pytest.skip(check.stdout.strip() or check.stderr.strip())
    folder = tmp_path_factory.mktemp("slurm")
    up = subprocess.run([str(SCRIPT), "up", str(folder)], capture_output=True, text=True, timeout=120)
    if "port" in up.stderr and up.returncode != 0:
        pytest.skip(up.stderr.strip())
    assert up.returncode == 0, up.stderr
    before = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(folder / "slurm.conf")
    try:
        yield folder
    finally:
        subprocess.run([str(SCRIPT), "down", str(folder)], capture_output=True, timeout=120)
        if before is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = before


def sweep_args(tiny_run, sweep_dir: Path, *extra: str) -> list[str]:
    return ["-m", *tiny_run, LIMIT, *extra, f"hydra.sweep.dir={sweep_dir}"]


def cli_process(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "USE_TF": "0"}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.Popen([sys.executable, "-m", "protsweep", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def submitit_logs(sweep_dir: Path) -> dict[str, str]:
    """SLURM job id (``<array>_<task>``) -> its log (stdout then stderr)."""
    return {
        folder.name: "".join(p.read_text(errors="replace") for p in sorted(folder.glob("*_log.*")))
        for folder in sorted((sweep_dir / ".submitit").glob("*_*")) if folder.is_dir()
    }


def job_of_log(log: str) -> str | None:
    found = re.search(r"saved model: .*/([^/]+)/model/model\.safetensors", log)
    return found.group(1) if found else None


def requeue_when_training(sweep_dir: Path, proc: subprocess.Popen) -> str | None:
    """``scontrol requeue`` the first job seen training; its SLURM job id (None if every job ended first)."""
    while proc.poll() is None:
        for job_id, log in submitit_logs(sweep_dir).items():
            if TRAINING_STARTS in log and "Job completed" not in log:
                subprocess.run(["scontrol", "requeue", job_id], check=True, capture_output=True)
                return job_id
        time.sleep(0.2)
    return None


def by_seed(sweep_dir: Path, jobs_of) -> dict[int, Path]:
    return {yaml.safe_load((j / ".hydra" / "config.yaml").read_text())["seed"]: j for j in jobs_of(sweep_dir)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, cli, tiny_run) -> Path:
    """The basic launcher, one job after another, at the slurm jobs' thread count."""
    root = tmp_path_factory.mktemp("basic")
    out = cli(sweep_args(tiny_run, root / "sw", "seed=0,1,2,3", "++resources.threads=1"), cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    return root / "sw"


@pytest.fixture(scope="module")
def requeued_sweep(slurm_cluster, tmp_path_factory, tiny_run):
    """Four jobs under SLURM; one is requeued (``scontrol requeue``) while it trains."""
    root = tmp_path_factory.mktemp("slurm_sweep")
    args = sweep_args(tiny_run, root / "sw", "seed=0,1,2,3", *SLURM)
    proc = cli_process(args, root)
    requeued = requeue_when_training(root / "sw", proc)
    _, stderr = proc.communicate(timeout=600)
    return root, args, requeued, proc.returncode, stderr


def test_slurm_sweep_with_a_requeued_job_matches_the_basic_launcher(requeued_sweep, reference, jobs_of, read_json):
    root, _, requeued, returncode, stderr = requeued_sweep
    sweep_dir = root / "sw"
    assert returncode == 0, stderr[-3000:]
    assert "sacct" not in stderr  # no accounting on this cluster: states come from squeue, quietly
    jobs, expected = by_seed(sweep_dir, jobs_of), by_seed(reference, jobs_of)
    assert sorted(jobs) == sorted(expected) == [0, 1, 2, 3]
    for seed, job in jobs.items():
        assert read_json(job / "run.json")["status"] == "completed"
        assert not (job / JOB_LOCK).exists()
        got = pd.read_csv(job / "predictions.csv")
        pd.testing.assert_frame_equal(got, pd.read_csv(expected[seed] / "predictions.csv"), check_exact=True)
    assert len(pd.read_csv(sweep_dir / "results" / "per_run.csv")) == 4  # aggregated at the end
    assert requeued is not None, "every job ended before one could be requeued"
    shown = subprocess.run(["scontrol", "show", "job", requeued], capture_output=True, text=True).stdout
    assert "Restarts=1" in shown  # SLURM ran the requeued job again
    logs = submitit_logs(sweep_dir)
    assert sorted(job_of_log(log) for log in logs.values()) == sorted(j.name for j in jobs.values())
    starts = {job_id: log.count(TRAINING_STARTS) for job_id, log in logs.items()}
    assert all(n == 1 for job_id, n in starts.items() if job_id != requeued)  # no other job trained again
    assert starts[requeued] in (1, 2)  # its log is appended to or restarted when SLURM reruns it


def test_a_relaunch_into_the_same_sweep_trains_nothing(requeued_sweep, cli, jobs_of, read_json):
    root, args, _, returncode, _ = requeued_sweep
    assert returncode == 0
    ended = {j.name: read_json(j / "run.json")["ended_at"] for j in jobs_of(root / "sw")}
    before = set(submitit_logs(root / "sw"))
    out = cli(args, cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    assert {j.name: read_json(j / "run.json")["ended_at"] for j in jobs_of(root / "sw")} == ended
    new_logs = {k: v for k, v in submitit_logs(root / "sw").items() if k not in before}
    assert len(new_logs) == 4 and not any(TRAINING_STARTS in log for log in new_logs.values())


def test_one_failing_job_fails_the_slurm_sweep_and_its_line_reaches_the_terminal(
    slurm_cluster, tmp_path, cli, tiny_run, jobs_of, read_json
):
    # limit=6 leaves one class in a split: that job fails with a data error; limit=120 trains
    args = ["-m", *tiny_run, "data.limit=6,120", "seed=0", *SLURM, f"hydra.sweep.dir={tmp_path / 'sw'}"]
    out = cli(args, cwd=tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    runs = {j.name: read_json(j / "run.json") for j in jobs_of(tmp_path / "sw")}
    failed = [name for name, run in runs.items() if run["status"] == "failed"]
    assert len(failed) == 1 and "data.limit=6," in failed[0]
    assert [run["status"] for name, run in runs.items() if name not in failed] == ["completed"]
    assert f"protsweep: error [{failed[0]}]" in out.stderr  # the job's own line, relayed from its SLURM log
    assert f"protsweep: 1 job(s) failed: {failed[0]}" in out.stderr

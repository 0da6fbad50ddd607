"""Relaunching into an existing sweep folder, through the real command: a changed config is refused (the
sweep folder as a whole) and nothing is rewritten; overwrite=true reruns (the earlier record kept aside); a job
another live process holds is skipped; the aggregator keeps runs of two recorded configs apart and says so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import TINY_RUN

SWEEP = """# @package _global_
hydra:
  mode: MULTIRUN
  sweeper:
    params:
      seed: 0,1
ablation:
  name: drift
trainer:
  lr_frozen: {lr}
"""


def launch(cli, tmp: Path, lr: float, *extra: str) -> subprocess.CompletedProcess:
    conf = tmp / "conf" / "sweep"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "drift.yaml").write_text(SWEEP.format(lr=lr))
    args = ["--config-dir", str(tmp / "conf"), "sweep=drift", *TINY_RUN, "data.limit=200",
            f"hydra.sweep.dir={tmp / 'sweep'}", *extra]
    return cli(args, cwd=tmp, timeout=600)


def snapshot(job: Path) -> dict[str, bytes]:
    return {p.relative_to(job).as_posix(): p.read_bytes() for p in sorted(job.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_relaunch_with_another_config(cli, tmp_path: Path) -> None:
    first = launch(cli, tmp_path, 0.01)
    assert first.returncode == 0, first.stderr[-2000:]
    jobs = sorted(p for p in (tmp_path / "sweep").iterdir() if (p / "run.json").is_file())
    assert ["seed=0" in jobs[0].name, "seed=1" in jobs[1].name] == [True, True]
    before = {j.name: snapshot(j) for j in jobs}
    recorded = json.loads((jobs[0] / "run.json").read_text())["fingerprint"]["config"]
    assert recorded["trainer.lr_frozen"] == 0.01

    # the sweep file changed: the sweep folder is refused as a whole, in one line, before any job starts
    refused = launch(cli, tmp_path, 0.02)
    assert refused.returncode == 1
    lines = [row for row in refused.stderr.splitlines() if row.startswith("protsweep: error")]
    assert len(lines) == 1, refused.stderr[-2000:]
    assert lines[0].startswith(f"protsweep: error: {tmp_path / 'sweep'} holds another sweep (another config: "
                               "trainer.lr_frozen: 0.01 -> 0.02)")
    assert "overwrite=true" in lines[0]
    assert "Traceback" not in refused.stderr
    assert {j.name: snapshot(j) for j in jobs} == before  # .hydra/ and the record: not one byte rewritten

    # seed=0 is held by a live process: skipped; seed=1 is rerun under the new config, the old record kept
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        lock = {"pid": sleeper.pid, "host": __import__("socket").gethostname(), "since": 0}
        (jobs[0] / ".protsweep.lock").write_text(json.dumps(lock))
        rerun = launch(cli, tmp_path, 0.02, "overwrite=true")
    finally:
        sleeper.kill()
        sleeper.wait()
    # the held job was not done by this launch, so the launch does not claim success for it
    failed = f"protsweep: 1 job(s) failed: {jobs[0].name} "  # the job's folder: the relaunch did not redo it
    assert rerun.returncode == 1 and failed in rerun.stderr, rerun.stderr[-2000:]
    assert f"[{jobs[0].name}]: pid {sleeper.pid}" in rerun.stderr and "skipped here" in rerun.stderr
    assert snapshot(jobs[0]) == {**before[jobs[0].name], ".protsweep.lock": json.dumps(lock).encode()}
    assert list(jobs[1].glob("replaced-*/run.json"))
    new = json.loads((jobs[1] / "run.json").read_text())["fingerprint"]["config"]
    assert new["trainer.lr_frozen"] == 0.02
    # the two seeds now hold two configs: not pooled as one variant, and the labels say which key differs
    variants = (tmp_path / "sweep" / "results" / "summary.csv").read_text().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in variants) == ["trainer.lr_frozen=0.01", "trainer.lr_frozen=0.02"]

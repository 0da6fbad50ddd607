"""Job locks and embedding-cache claims: a live holder is respected, a killed one's lock is taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from protsweep.integrity import locks
from protsweep.integrity.locks import held, is_stale, read_holder, slurm_job_state, try_lock
from protsweep.siamese.embed.cache import EmbeddingCache


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def plant(path: Path, pid: int, host: str | None = None, since: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(), "since": since or time.time()}))


def test_a_held_lock_is_not_taken_and_is_released(tmp_path: Path) -> None:
    lock = tmp_path / "job" / ".protsweep.lock"
    with held(lock) as other:
        assert other is None
        holder = read_holder(lock)
        assert holder is not None and holder.pid == __import__("os").getpid()
        assert try_lock(lock) == holder  # a second taker sees the live holder
    assert not lock.exists()


def test_a_live_process_lock_is_respected(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = tmp_path / "l"
        plant(lock, sleeper.pid)
        other = try_lock(lock)
        assert other is not None and other.pid == sleeper.pid
        assert json.loads(lock.read_text())["pid"] == sleeper.pid  # untouched
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_killed_process_lock_is_stale_and_taken_over(tmp_path: Path) -> None:
    lock = tmp_path / "l"
    plant(lock, dead_pid())
    assert is_stale(read_holder(lock))
    assert try_lock(lock) is None
    assert read_holder(lock).pid == __import__("os").getpid()


def test_another_hosts_lock_is_trusted_until_old(tmp_path: Path) -> None:
    lock = tmp_path / "l"
    plant(lock, 1, host="elsewhere.invalid")
    assert try_lock(lock) is not None
    plant(lock, 1, host="elsewhere.invalid", since=time.time() - 30 * 24 * 3600)
    assert try_lock(lock) is None


class _Identity:
    def key(self) -> str:
        return "ident"

    def as_dict(self) -> dict:
        return {"key": "ident"}


def test_cache_claims_keep_two_runs_from_embedding_one_sequence(tmp_path: Path) -> None:
    first, second = EmbeddingCache(tmp_path, _Identity()), EmbeddingCache(tmp_path, _Identity())
    mine, others = first.claim(["AAA", "CCC"])
    assert mine == ["AAA", "CCC"] and others == []
    mine2, others2 = second.claim(["AAA", "GGG"])
    assert mine2 == ["GGG"] and others2 == ["AAA"]  # AAA is being embedded by a live claimer
    first.store("AAA", np.ones((3, 4), dtype=np.float16), 3)
    first.release(["AAA", "CCC"])
    shapes: dict = {}
    assert second.wait_for(others2, shapes, poll_s=0.01) == []
    assert shapes == {"AAA": (3, 4)}
    np.testing.assert_array_equal(second.load("AAA"), np.ones((3, 4), dtype=np.float16))


def test_a_dead_claimers_entries_are_handed_back(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, _Identity())
    plant(cache.claim_path("AAA"), dead_pid())
    assert cache.wait_for(["AAA"], {}, poll_s=0.01) == ["AAA"]
    assert cache.claim(["AAA"]) == (["AAA"], [])


def plant_info(path: Path, **info) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": 1, "host": "node7.invalid", "since": time.time(), **info}))


def test_a_requeued_slurm_jobs_earlier_lock_is_taken_over(tmp_path: Path, monkeypatch) -> None:
    lock = tmp_path / "l"
    plant_info(lock, slurm_job="41", slurm_restart=0)  # another node, alive as far as pids and age tell
    monkeypatch.setattr(locks, "slurm_job_state", lambda job_id: "RUNNING")  # the requeued job runs again
    monkeypatch.setenv("SLURM_JOB_ID", "41")
    monkeypatch.setenv("SLURM_RESTART_COUNT", "0")
    assert try_lock(lock) is not None  # the same run of the job (another task): respected
    monkeypatch.setenv("SLURM_RESTART_COUNT", "1")  # SLURM requeued job 41: its earlier run is over
    assert try_lock(lock) is None
    mine = read_holder(lock)
    assert (mine.pid, mine.slurm_job, mine.slurm_restart) == (os.getpid(), "41", 1)


def test_a_lock_of_a_slurm_job_that_no_longer_runs_is_stale(tmp_path: Path, monkeypatch) -> None:
    lock = tmp_path / "l"
    plant_info(lock, slurm_job="42")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    states = {"42": "RUNNING"}
    monkeypatch.setattr(locks, "slurm_job_state", lambda job_id: states[job_id])
    assert try_lock(lock) is not None
    for state in ("NODE_FAIL", "CANCELLED", "GONE"):
        states["42"] = state
        assert is_stale(read_holder(lock))
    states["42"] = None  # no squeue here: the lock's age decides (fresh: respected)
    assert not is_stale(read_holder(lock))


def test_a_lease_not_renewed_is_stale_and_held_renews_its_own(tmp_path: Path) -> None:
    lock = tmp_path / "l"
    plant_info(lock, lease_s=60.0)
    assert not is_stale(read_holder(lock))
    os.utime(lock, (time.time() - 120, time.time() - 120))  # its host stopped touching it two minutes ago
    assert is_stale(read_holder(lock))
    assert try_lock(lock) is None
    lock.unlink()
    with held(lock, lease_s=0.2) as other:
        assert other is None and read_holder(lock).lease_s == 0.2
        os.utime(lock, (1.0, 1.0))
        deadline = time.monotonic() + 10
        while read_holder(lock).touched == 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert read_holder(lock).touched > 1.0  # the holder's thread touched it again
    assert not lock.exists()


def test_slurm_job_state_reads_squeue(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "squeue"
    fake.write_text('#!/bin/sh\ncase "$*" in *" 7 "*) echo RUNNING;; *" 8 "*) ;; *) echo "slurm_load_jobs error: '
                    'Invalid job id specified" >&2; exit 1;; esac\n')  # fmt: skip
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert (slurm_job_state("7"), slurm_job_state("8"), slurm_job_state("9")) == ("RUNNING", "GONE", "GONE")

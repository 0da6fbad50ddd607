"""Job locks and embedding-cache claims: a live holder is respected, a killed one's lock is taken over."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from protsweep.integrity.locks import held, is_stale, read_holder, try_lock
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

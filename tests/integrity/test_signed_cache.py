"""Cache entries are signed with the user's cache key (protsweep.framed, protsweep.cache_key): in each of the four
caches an entry planted with a matching sha256, or written under another key (a copied cache), is recomputed and
replaced, never used; an entry of the reader's own key is reused. The key file is made once, mode 0600, also when
two processes race to make it."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from protsweep import cache_key as cache_key_module
from protsweep.cache_key import KEY_BYTES, KEY_FILE_ENV, cache_key, key_file
from protsweep.data import cluster as cluster_module
from protsweep.data import nn_reference
from protsweep.data.cluster import cluster_labels
from protsweep.data.cluster_cache import MAGIC as CLUSTER_MAGIC
from protsweep.data.config import ClusterMethod
from protsweep.data.nn_reference_cache import MAGIC as NN_MAGIC
from protsweep.data.nn_reference_cache import SPOT_ROWS, cached_scores, entry_header, entry_key
from protsweep.errors import ProtsweepError
from protsweep.framed import TAG_BYTES, decode_frame
from protsweep.proteinbert.shared_features import MAGIC as FEATURE_MAGIC
from protsweep.proteinbert.shared_features import SharedFeatureStore
from protsweep.siamese.embed.cache import MAGIC as EMBED_MAGIC
from protsweep.siamese.embed.service import ensure_embeddings
from tests.data.test_clusters import family_frame
from tests.siamese.test_embed import SEQS, tiny

UNTRUSTED = "not written with this user's cache key"


@dataclass
class Cache:
    """One cache under test: ``run()`` computes through the cache and returns (result, entries computed)."""

    run: Callable[[], tuple[list[np.ndarray], int]]
    folder: Path
    magic: bytes
    #: the payload an attacker writes instead of ``payload`` (entry at ``path``): one the cache's own second
    #: guard, where it has one, would accept
    alter: Callable[[bytes, Path], bytes]

    def entries(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and p.read_bytes().startswith(self.magic))


def embedding_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cache:
    cfg = tiny(tmp_path)

    def run() -> tuple[list[np.ndarray], int]:
        result = ensure_embeddings(SEQS, cfg)
        return [np.asarray(result.vectors[s]) for s in SEQS], result.report["embedded"]

    return Cache(run, tmp_path / "cache", EMBED_MAGIC, lambda payload, _: np.ones(len(payload) // 2, "<f2").tobytes())


def feature_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cache:
    sequences = ["MKV", "ACDEFG", "GGSGG", "WYWYWY"]

    def compute(arrays: list[np.ndarray], positions: list[int]) -> None:
        for p in positions:
            seed = int(hashlib.sha256(sequences[p].encode()).hexdigest()[:8], 16)
            arrays[0][p] = np.random.default_rng(seed).normal(size=arrays[0].shape[1:])

    def run() -> tuple[list[np.ndarray], int]:
        store = SharedFeatureStore(tmp_path / "cache", {"key": "identity1"}, poll_s=0.01)
        arrays = [np.zeros((len(sequences), 8, 3), np.float32)]
        computed: list[int] = []
        store.fill(arrays, sequences, 8, lambda positions: (computed.extend(positions), compute(arrays, positions)))
        return arrays, len(computed)

    return Cache(run, tmp_path / "cache", FEATURE_MAGIC, lambda payload, _: bytes(len(payload)))


def cluster_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cache:
    seqs = family_frame(15)["sequence"].tolist()
    settings = {"identity": 0.8, "method": "levenshtein", "cache_dir": str(tmp_path / "cache")}
    calls: list[int] = []
    real = cluster_module.CLUSTERERS[ClusterMethod.levenshtein]
    monkeypatch.setitem(cluster_module.CLUSTERERS, ClusterMethod.levenshtein,
                        lambda unique, cfg: (calls.append(1), real(unique, cfg))[1])

    def run() -> tuple[list[np.ndarray], int]:
        before = len(calls)
        labels = cluster_labels(seqs, settings)
        return [labels], len(calls) - before

    # one cluster holding everything: no pair is split apart, so the leakage check alone would accept it
    return Cache(run, tmp_path / "cache", CLUSTER_MAGIC, lambda payload, _: bytes(len(payload)))


def reference_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cache:
    frame = family_frame(30).reset_index(drop=True)
    is_test = frame["family"] % 5 == 0
    train, test = frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)
    sizes: list[int] = []

    def scorer(train_rows, test_rows) -> np.ndarray:
        sizes.append(len(test_rows))
        return nn_reference.computed_scores(train_rows, test_rows)

    def run() -> tuple[list[np.ndarray], int]:
        before = len(sizes)
        scores = cached_scores(train, test, scorer, nn_reference.REFERENCE_SETTINGS, str(tmp_path / "cache"))
        return [scores], sum(1 for n in sizes[before:] if n == len(test))

    def alter(payload: bytes, _: Path) -> bytes:
        """Other scores on every row but those the spot check recomputes: the spot check alone would accept it."""
        key = entry_key(entry_header(train, test, nn_reference.REFERENCE_SETTINGS))
        spot = np.random.default_rng(int(key[:16], 16)).choice(len(test), size=min(SPOT_ROWS, len(test)),
                                                              replace=False)
        scores = np.full(len(test), 0.123)
        scores[spot] = np.frombuffer(payload, "<f8")[spot]
        return scores.astype("<f8").tobytes()

    return Cache(run, tmp_path / "cache", NN_MAGIC, alter)


CACHES = [embedding_cache, feature_cache, cluster_cache, reference_cache]


def use_key(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv(KEY_FILE_ENV, str(path))


def frame_bytes(magic: bytes, tag: bytes, header: dict[str, Any], payload: bytes) -> bytes:
    """A frame with ``header`` (its ``payload_sha256`` set to match ``payload``) and the given tag bytes."""
    head = json.dumps({**header, "payload_sha256": hashlib.sha256(payload).hexdigest()}, sort_keys=True).encode()
    return magic + tag + struct.pack("<I", len(head)) + head + payload


def plant(cache: Cache, path: Path, how: str) -> None:
    """What an attacker writes at ``path``: the entry's header, other payload bytes and their right sha256."""
    data = path.read_bytes()
    header, payload = decode_frame(data, cache.magic)
    forged = cache.alter(payload, path)
    assert forged != payload and len(forged) == len(payload)
    if how == "tag_copied":  # the key is unknown: keep the honest entry's tag
        path.write_bytes(frame_bytes(cache.magic, data[len(cache.magic) : len(cache.magic) + TAG_BYTES], header,
                                     forged))
    else:  # "unsigned": the frame of protsweep before entries were signed (no tag)
        head = json.dumps({**header, "payload_sha256": hashlib.sha256(forged).hexdigest()}, sort_keys=True).encode()
        path.write_bytes(cache.magic + struct.pack("<I", len(head)) + head + forged)


def assert_same(found: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert len(found) == len(expected)
    for a, b in zip(found, expected, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", CACHES)
def test_entries_of_the_readers_own_key_are_reused(tmp_path, monkeypatch, make) -> None:
    cache = make(tmp_path, monkeypatch)
    first, computed = cache.run()
    assert computed > 0 and cache.entries()
    second, computed_again = cache.run()
    assert computed_again == 0
    assert_same(second, first)


@pytest.mark.parametrize("how", ["tag_copied", "unsigned"])
@pytest.mark.parametrize("make", CACHES)
def test_a_planted_entry_with_a_matching_sha256_is_recomputed(tmp_path, monkeypatch, caplog, make, how) -> None:
    cache = make(tmp_path, monkeypatch)
    honest, _ = cache.run()
    entries = cache.entries()
    for path in entries:
        plant(cache, path, how)
    with caplog.at_level(logging.WARNING):
        again, computed = cache.run()
    assert computed == len(entries)  # every planted entry recomputed
    assert_same(again, honest)
    assert caplog.text.count(UNTRUSTED) == 1  # one line for the folder, not one per entry
    for path in entries:  # replaced by honest, signed entries, which are reused
        assert decode_frame(path.read_bytes(), cache.magic) is not None
    assert cache.run()[1] == 0


@pytest.mark.parametrize("make", CACHES)
def test_a_cache_copied_from_another_key_is_recomputed(tmp_path, monkeypatch, caplog, make) -> None:
    use_key(monkeypatch, tmp_path / "colleague" / "cache.key")
    cache = make(tmp_path, monkeypatch)
    theirs, computed = cache.run()
    n_entries = len(cache.entries())
    assert computed > 0 and n_entries
    use_key(monkeypatch, tmp_path / "me" / "cache.key")
    with caplog.at_level(logging.WARNING):
        mine, recomputed = cache.run()
    assert recomputed == computed  # nothing of the other key's entries was used
    fresh, _ = make(tmp_path / "fresh", monkeypatch).run()  # the same computation in an empty cache
    assert_same(mine, fresh)
    assert_same(theirs, fresh)
    assert caplog.text.count(UNTRUSTED) == 1 and str(cache.folder) in caplog.text
    assert len(cache.entries()) == n_entries and cache.run()[1] == 0  # replaced in place, now reused


def test_the_key_file_is_made_once_with_mode_0600(tmp_path, monkeypatch) -> None:
    path = tmp_path / "config" / "protsweep" / "cache.key"
    use_key(monkeypatch, path)
    key = cache_key()
    assert len(key) == KEY_BYTES and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    cache_key_module._loaded.clear()  # a later process reads the same file
    assert cache_key() == key and path.stat().st_ino == inode
    assert [p.name for p in path.parent.iterdir()] == ["cache.key"]  # no temporary file left


def test_the_default_key_file_is_in_the_users_config_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_FILE_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert key_file() == tmp_path / "xdg" / "protsweep" / "cache.key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert key_file() == tmp_path / "home" / ".config" / "protsweep" / "cache.key"


def _make_keys(paths: list[str], barrier: Any, queue: Any) -> None:
    barrier.wait()
    keys = []
    for path in paths:
        os.environ[KEY_FILE_ENV] = path
        keys.append(cache_key().hex())
    queue.put(keys)


def test_two_processes_racing_make_one_key(tmp_path) -> None:
    paths = [str(tmp_path / f"user{i}" / "cache.key") for i in range(30)]
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_make_keys, args=(paths, barrier, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert results[0] == results[1]  # both processes sign with the same key
    for path, key in zip(paths, results[0], strict=True):
        assert Path(path).read_bytes().hex() == key and len(bytes.fromhex(key)) == KEY_BYTES
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
        assert [p.name for p in Path(path).parent.iterdir()] == ["cache.key"]
    assert len(set(results[0])) == len(paths)  # and each file a key of its own


def test_a_short_key_file_is_one_line_naming_it(tmp_path, monkeypatch) -> None:
    path = tmp_path / "team.key"
    path.write_bytes(b"short")
    use_key(monkeypatch, path)
    with pytest.raises(ProtsweepError) as raised:
        cache_key()
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_a_key_file_that_cannot_be_made_is_one_line_naming_it(tmp_path, monkeypatch) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    path = tmp_path / "a_file" / "cache.key"
    use_key(monkeypatch, path)
    with pytest.raises(ProtsweepError) as raised:
        SharedFeatureStore(tmp_path / "cache", {"key": "identity1"})  # refused before anything is computed
    assert str(path) in str(raised.value) and KEY_FILE_ENV in str(raised.value) and "\n" not in str(raised.value)


def test_an_embedding_entry_planted_during_a_run_is_refused_by_the_lazy_read(tmp_path, monkeypatch) -> None:
    cache = embedding_cache(tmp_path, monkeypatch)
    result = ensure_embeddings(SEQS, tiny(tmp_path))
    lazy = result.vectors
    honest = {s: np.array(lazy[s]) for s in SEQS}  # first reads: verified
    path = lazy.paths[SEQS[0]]
    original = path.read_bytes()
    path.write_bytes(original)  # rewritten, same signed content (another run replacing it): still read
    np.testing.assert_array_equal(lazy[SEQS[0]], honest[SEQS[0]])
    plant(cache, path, "tag_copied")  # planted after the run verified its entries
    with pytest.raises(ProtsweepError) as raised:
        lazy[SEQS[0]]
    assert str(path) in str(raised.value)
    np.testing.assert_array_equal(lazy[SEQS[1]], honest[SEQS[1]])  # the others still read

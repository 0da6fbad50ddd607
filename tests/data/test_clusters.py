"""Similarity clusters and the splits and folds built on them (issue 26, issue 19 point 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.data.cluster import cluster_labels
from protsweep.data.cluster_cache import MAGIC
from protsweep.data.dataset import load_split_data
from protsweep.errors import ConfigError
from protsweep.framed import decode_frame

ALPHABET = np.array(list("ACDEFGHIKLMNPQRSTVWY"))


def mutate(rng: np.random.Generator, seq: str, edits: int) -> str:
    chars = list(seq)
    for pos in rng.choice(len(chars), edits, replace=False):
        chars[pos] = rng.choice([a for a in ALPHABET if a != chars[pos]])
    return "".join(chars)


def family_frame(n_families: int = 60, size: int = 4, length: int = 20, seed: int = 1) -> pd.DataFrame:
    """Families of 20-mers one substitution from their root (>= 0.9 similar to it), unrelated to each other;
    labels by family, 30% positive families."""
    rng = np.random.default_rng(seed)
    rows = []
    for fam in range(n_families):
        root = "".join(rng.choice(ALPHABET, length))
        label = int(fam % 10 < 3)
        members = {root} | {mutate(rng, root, 1) for _ in range(size * 3)}
        rows += [{"sequence": s, "label": label, "family": fam} for s in sorted(members)[:size]]
    return pd.DataFrame(rows)


def test_hand_made_clusters_are_found() -> None:
    # two chains: AAAAAAAAAA ~ AAAAAAAAAC (0.9) ~ AAAAAAAACC (0.9) link by single linkage although the ends are 0.8;
    # WWWWWWWWWW and its one-substitution neighbour are another; KKKKKKKKKK is alone (0.0 to all)
    seqs = ["AAAAAAAAAA", "WWWWWWWWWW", "AAAAAAAAAC", "KKKKKKKKKK", "AAAAAAAACC", "WWWWWWWWWY"]
    labels = cluster_labels(seqs, {"identity": 0.9, "method": "levenshtein", "cache_dir": None})
    groups = {frozenset(np.flatnonzero(labels == c)) for c in np.unique(labels)}
    assert groups == {frozenset({0, 2, 4}), frozenset({1, 5}), frozenset({3})}
    # at 0.95 nothing links
    assert len(np.unique(cluster_labels(seqs, {"identity": 0.95, "method": "levenshtein", "cache_dir": None}))) == 6


def test_clusters_are_cached_and_a_corrupt_entry_is_recomputed(tmp_path) -> None:
    seqs = family_frame(10)["sequence"].tolist()
    settings = {"identity": 0.8, "method": "levenshtein", "cache_dir": str(tmp_path)}
    first = cluster_labels(seqs, settings)
    files = list((tmp_path / "clusters").glob("*.clusters"))
    header, _ = decode_frame(files[0].read_bytes(), MAGIC)
    assert len(files) == 1 and header["n_sequences"] == len(set(seqs))
    files[0].write_text("{not json")
    again = cluster_labels(seqs, settings)
    np.testing.assert_array_equal(first, again)
    assert decode_frame(files[0].read_bytes(), MAGIC) is not None  # rewritten whole
    cluster_labels(seqs, {**settings, "identity": 0.9})
    assert len(list((tmp_path / "clusters").glob("*.clusters"))) == 2  # the settings are part of the key


def data_cfg(path, **kw):
    source = {"_target_": "protsweep.data.sources.CsvSource", "path": str(path)}
    base = {"name": "t", "source": source, "dedup": "majority", "split_seed": 0, "valid_frac": 0.1,
            "test_frac": 0.2, "limit": None, "alphabet": "ACDEFGHIKLMNPQRSTVWY",
            "cluster": {"identity": 0.8, "method": "levenshtein", "cache_dir": None}}
    return OmegaConf.create({**base, **kw})


@pytest.fixture
def families(tmp_path):
    frame = family_frame()
    path = tmp_path / "fam.csv"
    frame[["sequence", "label"]].to_csv(path, index=False)
    return path, frame


def family_of(frame: pd.DataFrame) -> dict[str, int]:
    return dict(zip(frame["sequence"], frame["family"], strict=True))


def test_cluster_split_keeps_families_whole_and_stratifies(families) -> None:
    path, frame = families
    data = load_split_data(data_cfg(path, split_by="cluster"))
    fam = family_of(frame)
    owners = {}
    for name in ("train", "valid", "test"):
        for seq in data.split(name)["sequence"]:
            owners.setdefault(fam[seq], set()).add(name)
    assert all(len(o) == 1 for o in owners.values())
    # 60 families of 4: test about 12 families; positive rate as close as whole families allow (0.3)
    assert abs(len(data.test) - 0.2 * len(frame)) <= 8
    assert abs(data.test["label"].mean() - 0.3) <= 0.1
    assert data.report["split_by"] == "cluster" and data.report["clusters"]["n"] == 60


def test_random_split_lets_families_cross(families) -> None:
    path, frame = families
    data = load_split_data(data_cfg(path))
    fam = family_of(frame)
    assert {fam[s] for s in data.test["sequence"]} & {fam[s] for s in data.train["sequence"]}


@pytest.mark.parametrize("split_by", ["sequence", "cluster"])
def test_folds_cover_every_example_once_with_whole_clusters(families, split_by) -> None:
    path, frame = families
    tests = [load_split_data(data_cfg(path, split_by=split_by, cv={"folds": 5, "fold": k})) for k in range(5)]
    test_seqs = [set(d.test["sequence"]) for d in tests]
    assert sum(len(s) for s in test_seqs) == len(frame)  # every example in exactly one test fold
    assert set().union(*test_seqs) == set(frame["sequence"])
    for k, d in enumerate(tests):
        assert not set(d.train["sequence"]) & test_seqs[k] and not set(d.valid["sequence"]) & test_seqs[k]
        assert set(d.train["sequence"]) | set(d.valid["sequence"]) | test_seqs[k] == set(frame["sequence"])
        assert abs(d.test["label"].mean() - 0.3) <= 0.12
    if split_by == "cluster":
        fam = family_of(frame)
        fold_of_family = {}
        for k, seqs in enumerate(test_seqs):
            for s in seqs:
                assert fold_of_family.setdefault(fam[s], k) == k  # no family in two folds


def test_folds_and_clusters_are_seeded_by_split_seed_only(families) -> None:
    path, _ = families
    cfg = dict(split_by="cluster", cv={"folds": 3, "fold": 1})
    a = load_split_data(data_cfg(path, **cfg))
    b = load_split_data(data_cfg(path, **cfg))
    c = load_split_data(data_cfg(path, split_seed=1, **cfg))
    assert list(a.test["sequence"]) == list(b.test["sequence"])
    assert set(a.test["sequence"]) != set(c.test["sequence"])


def test_bad_fold_settings_are_one_line_errors(families, tmp_path) -> None:
    path, frame = families
    with pytest.raises(ConfigError, match=r"data\.cv\.fold=3"):
        load_split_data(data_cfg(path, cv={"folds": 3, "fold": 3}))
    with pytest.raises(ConfigError, match=r"data\.cv\.folds=1"):
        load_split_data(data_cfg(path, cv={"folds": 1, "fold": 0}))
    given = tmp_path / "given.csv"
    frame.assign(split=np.where(np.arange(len(frame)) % 5 == 0, "test", "train")).to_csv(given, index=False)
    with pytest.raises(ConfigError, match="own test split"):
        load_split_data(data_cfg(given, source={"_target_": "protsweep.data.sources.CsvSource", "path": str(given),
                                                "split_col": "split"}, cv={"folds": 3, "fold": 0}))


def test_head_sweep_composes_with_folds_and_split_kinds(compose_cfg) -> None:
    # what `protsweep -m sweep=head data.cv.folds=5 'data.cv.fold=range(5)' 'seed=range(3)'` runs, job by job
    for fold in range(5):
        cfg = compose_cfg("sweep=head", "data.cv.folds=5", f"data.cv.fold={fold}", "seed=2")
        assert (cfg.data.cv.folds, cfg.data.cv.fold, cfg.data.split_by.value) == (5, fold, "sequence")
    assert compose_cfg("sweep=head_splits", "data.split_by=cluster").data.split_by.value == "cluster"
    with pytest.raises(Exception, match="split_by"):
        compose_cfg("data.split_by=families")

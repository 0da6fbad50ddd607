"""Pairs split by protein clusters and by folds (issue 26 point 1, issue 19 point 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.data.config import PairDataConfig
from protsweep.data.pairs.dataset import load_pair_data
from protsweep.errors import ConfigError

ALPHABET = np.array(list("ACDEFGHIKLMNPQRSTVWY"))


def family_pairs(tmp_path, n_families: int = 30, size: int = 3, n_pairs: int = 600):
    """Proteins in families (one substitution from a root, >= 0.96 similar); random pairs between them."""
    rng = np.random.default_rng(5)
    family = {}
    for fam in range(n_families):
        root = "".join(rng.choice(ALPHABET, 30))
        for k in range(size):
            family[root[:k] + ("W" if root[k] != "W" else "Y") + root[k + 1 :] if k else root] = fam
    proteins = list(family)
    rows = set()
    while len(rows) < n_pairs:
        i, j = sorted(rng.choice(len(proteins), 2, replace=False))
        rows.add((proteins[i], proteins[j]))
    frame = pd.DataFrame(sorted(rows), columns=["seq_a", "seq_b"])
    frame["label"] = rng.integers(0, 2, len(frame))
    path = tmp_path / "pairs.csv"
    frame.to_csv(path, index=False)
    return path, family


def cfg(path, **options):
    source = {"_target_": "protsweep.data.pairs.sources.PairsCsvSource", "path": str(path)}
    base = OmegaConf.structured(PairDataConfig)
    return OmegaConf.merge(base, {"name": "t", "source": source, "cluster": {"method": "levenshtein"}, **options})


def sides(part: pd.DataFrame) -> set[str]:
    return set(part["seq_a"]) | set(part["seq_b"])


def test_cold_cluster_split_keeps_protein_families_apart(tmp_path) -> None:
    path, family = family_pairs(tmp_path)
    data = load_pair_data(cfg(path, split="cold", split_by="cluster"))
    fams = {name: {family[p] for p in sides(data.split(name))} for name in ("train", "valid", "test")}
    assert not fams["train"] & fams["test"] and not fams["train"] & fams["valid"] and not fams["valid"] & fams["test"]
    assert data.report["split"]["clusters"]["n"] == 30
    plain = load_pair_data(cfg(path, split="cold"))  # by protein only: families cross
    assert {family[p] for p in sides(plain.train)} & {family[p] for p in sides(plain.test)}


def test_random_split_by_cluster_is_refused(tmp_path) -> None:
    path, _ = family_pairs(tmp_path)
    with pytest.raises(ConfigError, match=r"data\.split=cold"):
        load_pair_data(cfg(path, split_by="cluster"))


def test_random_pair_folds_cover_every_pair_once(tmp_path) -> None:
    path, _ = family_pairs(tmp_path)
    folds = [load_pair_data(cfg(path, cv={"folds": 4, "fold": k})) for k in range(4)]
    ids = [set(d.test["id"]) for d in folds]
    assert sum(map(len, ids)) == len(set().union(*ids)) == len(pd.read_csv(path))


def test_cold_folds_hold_whole_proteins_and_disjoint_pairs(tmp_path) -> None:
    path, family = family_pairs(tmp_path)
    folds = [load_pair_data(cfg(path, split="cold", split_by="cluster", cv={"folds": 3, "fold": k})) for k in range(3)]
    test_fams = [{family[p] for p in sides(d.test)} for d in folds]
    for k, d in enumerate(folds):
        assert not {family[p] for p in sides(d.train) | sides(d.valid)} & test_fams[k]
        for other in range(k + 1, 3):
            assert not test_fams[k] & test_fams[other]  # no protein family in two test folds
    again = load_pair_data(cfg(path, split="cold", split_by="cluster", cv={"folds": 3, "fold": 0}))
    assert set(again.test["id"]) == set(folds[0].test["id"])  # split_seed alone decides

"""Split invariants: stratified, no leakage, independent of the training seed, one class is an error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.data.dataset import load_split_data
from protsweep.errors import DataError


def make_csv(tmp_path, n: int = 400, pos_rate: float = 0.2, dupes: int = 0, split_col: bool = False):
    rng = np.random.default_rng(123)
    alphabet = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    seqs = {"".join(rng.choice(alphabet, rng.integers(5, 30))) for _ in range(n * 2)}
    seqs = sorted(seqs)[:n]
    labels = (rng.random(n) < pos_rate).astype(int)
    frame = pd.DataFrame({"sequence": seqs, "label": labels})
    if dupes:
        frame = pd.concat([frame, frame.iloc[:dupes]], ignore_index=True)
    if split_col:
        frame["split"] = np.where(np.arange(len(frame)) % 5 == 0, "test", "train")
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return path, frame


def cfg(path, **kw):
    source = {"_target_": "protsweep.data.sources.CsvSource", "path": str(path), "split_col": kw.pop("split_col", None)}
    base = {"name": "t", "source": source, "dedup": "majority", "split_seed": 0, "valid_frac": 0.1,
            "test_frac": 0.2, "limit": None, "alphabet": "ACDEFGHIKLMNPQRSTVWY"}
    return OmegaConf.create({**base, **kw})


def test_stratified_sizes_and_positive_rates(tmp_path) -> None:
    path, frame = make_csv(tmp_path, n=1000, pos_rate=0.2)
    data = load_split_data(cfg(path))
    overall = frame["label"].mean()
    assert len(data.test) == 200
    assert len(data.valid) == 100
    assert len(data.train) == 700
    for part in (data.train, data.valid, data.test):
        assert abs(part["label"].mean() - overall) < 0.011


def test_no_sequence_in_two_splits_even_with_duplicate_rows(tmp_path) -> None:
    path, _ = make_csv(tmp_path, n=300, dupes=120)
    data = load_split_data(cfg(path))
    sets = [set(p["sequence"]) for p in (data.train, data.valid, data.test)]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    assert sum(len(s) for s in sets) == 300


def test_split_depends_on_split_seed_only(tmp_path) -> None:
    path, _ = make_csv(tmp_path)
    first = load_split_data(cfg(path, split_seed=0))
    again = load_split_data(cfg(path, split_seed=0))
    other = load_split_data(cfg(path, split_seed=1))
    assert first.test["id"].tolist() == again.test["id"].tolist()
    assert set(first.test["id"]) != set(other.test["id"])


def test_given_split_column_wins_and_valid_is_carved_from_train(tmp_path) -> None:
    path, frame = make_csv(tmp_path, n=400, split_col=True)
    data = load_split_data(cfg(path, split_col="split"))
    assert set(data.test["sequence"]) == set(frame.loc[frame["split"] == "test", "sequence"])
    assert set(data.valid["sequence"]) <= set(frame.loc[frame["split"] == "train", "sequence"])
    assert data.report["split_given"] is True


def test_single_class_split_is_an_error(tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("sequence,label,split\nAKK,1,train\nGGW,0,train\nWWK,1,valid\nKKW,0,valid\nAAA,1,test\nCCC,1,test\n")
    with pytest.raises(DataError, match=r"the test split has only one class \(\{1: 2\}\)"):
        load_split_data(cfg(path, split_col="split"))


def test_limit_subsamples_stratified(tmp_path) -> None:
    path, frame = make_csv(tmp_path, n=1000, pos_rate=0.3)
    data = load_split_data(cfg(path, limit=100))
    total = pd.concat([data.train, data.valid, data.test])
    assert len(total) == 100
    assert abs(total["label"].mean() - frame["label"].mean()) < 0.01

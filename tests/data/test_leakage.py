"""The leakage report and the nearest-neighbour reference against brute-force computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from protsweep.data.leakage import leakage_report
from protsweep.data.nn_reference import nearest_neighbour_scores

ALPHABET = np.array(list("ACDEFGHIKLMNPQRSTVWY"))


def levenshtein(a: str, b: str) -> int:
    """Textbook dynamic programme, independent of rapidfuzz."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def similarity(a: str, b: str) -> float:
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def substitute(seq: str, n: int) -> str:
    return "".join(("W" if c != "W" else "Y") if i < n else c for i, c in enumerate(seq))


def test_planted_near_duplicates_give_the_planted_shares() -> None:
    rng = np.random.default_rng(0)
    train = ["".join(rng.choice(ALPHABET, 20)) for _ in range(40)]
    # test: 5 copies at 1 substitution (0.95), 5 at 2 (0.90), 5 at 4 (0.80), 5 at 6 (0.70), 20 unrelated
    edits = ((1, 0), (2, 5), (4, 10), (6, 15))
    planted = [substitute(train[i], n) for n, start in edits for i in range(start, start + 5)]
    unrelated = ["".join(rng.choice(ALPHABET, 20)) for _ in range(20)]
    test = planted + unrelated
    frame = lambda seqs: pd.DataFrame({"sequence": seqs, "label": 0})  # noqa: E731
    report = leakage_report({"train": frame(train), "valid": frame(unrelated[:3]), "test": frame(test)})
    brute = np.array([max(similarity(t, s) for s in train) for t in test])
    assert report["test"]["n"] == 40
    for level, key in ((0.7, "ge_70"), (0.8, "ge_80"), (0.9, "ge_90"), (0.95, "ge_95")):
        assert report["test"][key] == round(float(np.mean(brute >= level - 1e-9)), 4)
    # planted exactly: 20/40 at >= 0.7 (random 20-mers are far below), 15 at 0.8, 10 at 0.9, 5 at 0.95
    assert (report["test"]["ge_70"], report["test"]["ge_80"], report["test"]["ge_90"], report["test"]["ge_95"]) == (
        0.5, 0.375, 0.25, 0.125)


def test_nearest_neighbour_auc_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(ALPHABET, rng.integers(8, 25))) for _ in range(90)]
    seqs += [substitute(s, 2) for s in seqs[:30]]  # near-duplicates carry information
    labels = np.r_[rng.integers(0, 2, 90), rng.integers(0, 2, 30)]
    labels[90:] = labels[:30]
    data = pd.DataFrame({"sequence": seqs, "label": labels})
    train, test = data.iloc[::2].reset_index(drop=True), data.iloc[1::2].reset_index(drop=True)
    pos = train.loc[train["label"] == 1, "sequence"]
    neg = train.loc[train["label"] == 0, "sequence"]
    brute = [max(similarity(t, p) for p in pos) - max(similarity(t, n) for n in neg) for t in test["sequence"]]
    scores = nearest_neighbour_scores(train, test)
    np.testing.assert_allclose(scores, brute, atol=1e-6)
    assert roc_auc_score(test["label"], scores) == roc_auc_score(test["label"], brute)


def test_pair_reference_uses_both_sides_in_the_better_orientation() -> None:
    a, b, c, d = "AAAAAAAAAA", "CCCCCCCCCC", "DDDDDDDDDD", "EEEEEEEEEE"
    train = pd.DataFrame({"seq_a": [a, c], "seq_b": [b, d], "label": [1, 0]})
    # (b', a'): the crossed orientation of the positive pair, one substitution on each side
    test = pd.DataFrame({"seq_a": [substitute(b, 1), c], "seq_b": [substitute(a, 1), b], "label": [1, 0]})
    scores = nearest_neighbour_scores(train, test)
    # pair 0: min(0.9, 0.9) to the positive, 0 to the negative; pair 1: (c, b) shares one side with each pair,
    # so min() gives 0 to both
    np.testing.assert_allclose(scores, [0.9, 0.0], atol=1e-6)

"""The training-free nearest-neighbour reference: how far sequence similarity alone ranks the test set.

Single sequences: ``score = max similarity to a positive training sequence - max similarity to a negative
one`` (normalised Levenshtein, :mod:`.similarity`), exact. Pairs: the similarity of two pairs is the smaller
of their two sides' similarities (protein similarities below :data:`PAIR_FLOOR` count as 0), in the better
of the two orientations (``max(min(s(a, a'), s(b, b')), min(s(a, b'), s(b, a')))``), and the score is again
the highest such similarity to a positive training pair minus the highest to a negative one.

With a cache folder (``paths.cache_dir``) the scores are cached per training and test content and these
settings, and checked before reuse (:mod:`protsweep.data.nn_reference_cache`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protsweep.data.nn_reference_cache import cached_scores
from protsweep.data.similarity import BLOCK_ROWS, nearest_similarity, similarity_block

#: test pairs scored per block (each block holds block x training pairs floats)
PAIR_BLOCK = 64
#: pairs: protein similarities below this count as 0 (unrelated). The floor bounds every alignment, about 5x
#: faster on proteins (Guo's cold split: 34 s without it). Single sequences stay exact: on hemolysis a floor of
#: 0.5 would cost 0.03 AUC, as distant peptides still rank by their (low) similarity.
PAIR_FLOOR = 0.5
#: what a cached entry's scores depend on besides the rows; bump ``version`` when the scores' definition changes
REFERENCE_SETTINGS = {"version": 1, "similarity": "normalised Levenshtein", "pair_floor": PAIR_FLOOR}


def nearest_neighbour_scores(train: pd.DataFrame, test: pd.DataFrame, cache_dir: str | None = None) -> np.ndarray:
    """The reference score of each test row (single sequences or pairs), cached under ``cache_dir`` if set."""
    return cached_scores(train, test, computed_scores, REFERENCE_SETTINGS, cache_dir)


def computed_scores(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """The reference score of each test row, computed."""
    if "seq_a" in train.columns:
        return pair_scores(train, test)
    positive = train.loc[train["label"] == 1, "sequence"].tolist()
    negative = train.loc[train["label"] != 1, "sequence"].tolist()
    queries = test["sequence"].tolist()
    return nearest_similarity(queries, positive) - nearest_similarity(queries, negative)


def _protein_matrix(test: pd.DataFrame, train: pd.DataFrame) -> tuple[np.ndarray, dict, dict]:
    test_proteins = list(dict.fromkeys([*test["seq_a"], *test["seq_b"]]))
    train_proteins = list(dict.fromkeys([*train["seq_a"], *train["seq_b"]]))
    matrix = np.zeros((len(test_proteins), len(train_proteins)), dtype=np.float32)
    for start in range(0, len(test_proteins), BLOCK_ROWS):
        block = similarity_block(test_proteins[start : start + BLOCK_ROWS], train_proteins, cutoff=PAIR_FLOOR)
        matrix[start : start + len(block)] = block
    return matrix, {p: i for i, p in enumerate(test_proteins)}, {p: i for i, p in enumerate(train_proteins)}


def pair_scores(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    matrix, test_index, train_index = _protein_matrix(test, train)
    train_a = train["seq_a"].map(train_index).to_numpy()
    train_b = train["seq_b"].map(train_index).to_numpy()
    positive = (train["label"] == 1).to_numpy()
    test_a = test["seq_a"].map(test_index).to_numpy()
    test_b = test["seq_b"].map(test_index).to_numpy()
    scores = np.zeros(len(test), dtype=np.float64)
    for start in range(0, len(test), PAIR_BLOCK):
        a, b = test_a[start : start + PAIR_BLOCK], test_b[start : start + PAIR_BLOCK]
        straight = np.minimum(matrix[a][:, train_a], matrix[b][:, train_b])
        crossed = np.minimum(matrix[a][:, train_b], matrix[b][:, train_a])
        similar = np.maximum(straight, crossed)
        best_pos = similar[:, positive].max(axis=1, initial=0.0)
        best_neg = similar[:, ~positive].max(axis=1, initial=0.0)
        scores[start : start + len(a)] = best_pos - best_neg
    return scores

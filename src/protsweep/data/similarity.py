"""Sequence similarity: normalised Levenshtein similarity, all pairs or nearest neighbour, with rapidfuzz.

``similarity(a, b) = 1 - levenshtein(a, b) / max(len(a), len(b))``: the share of the longer sequence that
needs no edit. For peptides and short sequences it is what a reader means by "80% similar": one
substitution, insertion or deletion per five residues at 0.8. Unlike an alignment identity, it needs no
substitution matrix, gap penalties or coverage rule, is symmetric, and is exact for every pair
(rapidfuzz's bit-parallel C++ kernel: hemolysis's 5852² pairs take seconds). It is the one similarity of
the leakage report and of the nearest-neighbour reference, for every kind of data (docs/splits.md).

Matrices are computed in row blocks, so memory stays at ``block x len(targets)`` floats.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

#: rows per block of a similarity matrix (a 512 x 6000 float32 block is 12 MB)
BLOCK_ROWS = 512
#: rapidfuzz threads: all cores
WORKERS = -1
#: similarities are ratios k / n of lengths far below 1e5, so two that differ differ by more than this: a
#: similarity counts as at least a threshold when it is within TOLERANCE below it (float32 storage, and
#: rapidfuzz's own score_cutoff, may put an exact 0.8 a hair under 0.8)
TOLERANCE = 1e-6


def at_least(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """``similarity >= threshold``, robust to the rounding of an exact tie."""
    return np.asarray(similarity) >= threshold - TOLERANCE


def similarity_block(queries: Sequence[str], targets: Sequence[str], cutoff: float = 0.0) -> np.ndarray:
    """``len(queries) x len(targets)`` similarities in [0, 1] (float32); below ``cutoff`` they read 0."""
    if not len(queries) or not len(targets):
        return np.zeros((len(queries), len(targets)), dtype=np.float32)
    return process.cdist(
        list(queries),
        list(targets),
        scorer=Levenshtein.normalized_similarity,
        score_cutoff=max(cutoff - TOLERANCE, 0.0) or None,
        dtype=np.float32,
        workers=WORKERS,
    )


def nearest_similarity(queries: Sequence[str], targets: Sequence[str], floor: float = 0.0) -> np.ndarray:
    """For each query, its highest similarity to any target (0 when there is no target, or when it is below
    ``floor``: a floor lets rapidfuzz bound each alignment, 5-20x faster on proteins)."""
    out = np.zeros(len(queries), dtype=np.float64)
    if not len(targets):
        return out
    for start in range(0, len(queries), BLOCK_ROWS):
        block = similarity_block(queries[start : start + BLOCK_ROWS], targets, cutoff=floor)
        out[start : start + len(block)] = block.max(axis=1)
    return out


def similar_pairs(sequences: Sequence[str], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i < j``, of sequences at least ``threshold`` similar."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, len(sequences), BLOCK_ROWS):
        block = similarity_block(sequences[start : start + BLOCK_ROWS], sequences[start:], cutoff=threshold)
        i, j = np.nonzero(at_least(block, threshold))
        keep = j > i  # the upper triangle of this block's rows (column j is sequence start + j)
        rows.append(i[keep] + start)
        cols.append(j[keep] + start)
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def connected_labels(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The connected component of each of ``n`` nodes joined by the edges ``rows[i] -- cols[i]`` (single
    linkage), as int64 labels 0..C-1."""
    from scipy.sparse import coo_matrix  # deferred: predict's start-up clusters nothing
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)

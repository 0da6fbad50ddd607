"""The cluster cache's entries (``<cache_dir>/clusters/<key>.clusters``), checked before every reuse.

A cache folder is data people copy and download, so an entry is never trusted by its name alone:

- its format: a framed entry (:mod:`protsweep.framed`: magic, HMAC tag with this user's cache key, JSON header,
  payload sha256; another key's or a planted entry is refused there) whose header repeats
  the clustering settings and the SHA-256 of the sorted distinct sequences it covers, and whose payload is one
  non-negative cluster number per sequence;
- the guarantee the split rests on: no two sequences in different clusters are ``identity`` similar or more
  (normalised Levenshtein, :mod:`protsweep.data.similarity`, the leakage report's similarity). Whole clusters
  on either side of a split then leave no test sequence that similar to a training sequence. All pairs are
  compared up to :data:`CHECK_PAIRS`; above it, a sample of sequences (seeded by the entry's key, so the same
  one each time) against every sequence.

An entry that fails either check is reported in one warning naming the file, recomputed, and replaced
atomically. MMseqs2 clusters are an alignment identity's, not this similarity's, and its prefilter may miss a
pair: the clusters of a pair it leaves apart that the check finds are joined (:func:`join_leaky_clusters`)
before they are stored, so every fresh entry passes the check and nothing in an entry is taken on trust.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from protsweep.atomic import write_atomic
from protsweep.data.similarity import at_least, connected_labels, similar_pairs, similarity_block
from protsweep.framed import decode_frame, encode_frame, foreign_frame

log = logging.getLogger(__name__)

MAGIC = b"PSCLUS\x01"
FOLDER = "clusters"
SUFFIX = ".clusters"
#: sequence pairs the leakage check compares at most (hemolysis' 5852 peptides: all 17 M pairs)
CHECK_PAIRS = 20_000_000
_LABEL_DTYPE = np.dtype("<i8")


def sequences_sha256(unique: Sequence[str]) -> str:
    """The SHA-256 of the sorted distinct sequences, one per line."""
    return hashlib.sha256("\n".join(unique).encode()).hexdigest()


def entry_path(cache_dir: str | Path, key: str) -> Path:
    return Path(str(cache_dir)).expanduser() / FOLDER / f"{key}{SUFFIX}"


def encode_entry(params: dict[str, Any], unique: Sequence[str], labels: np.ndarray) -> bytes:
    header = {"params": params, "sequences_sha256": sequences_sha256(unique), "n_sequences": len(unique)}
    return encode_frame(MAGIC, header, np.ascontiguousarray(labels, dtype=_LABEL_DTYPE).tobytes())


def decode_entry(data: bytes, params: dict[str, Any], unique: Sequence[str],
                 folder: Path | None = None) -> np.ndarray | None:
    """The entry's labels when it is an intact entry of these settings and sequences, signed with this user's
    cache key (``folder``: the cache folder a warning about another key's entries names)."""
    frame = decode_frame(data, MAGIC, folder)
    if frame is None:
        return None
    header, payload = frame
    n = len(unique)
    if (header.get("params") != params or header.get("sequences_sha256") != sequences_sha256(unique)
            or header.get("n_sequences") != n or len(payload) != n * _LABEL_DTYPE.itemsize):
        return None
    labels = np.frombuffer(payload, dtype=_LABEL_DTYPE).astype(np.int64)
    return None if n and labels.min() < 0 else labels


def leaky_pairs(unique: Sequence[str], labels: np.ndarray, identity: float, seed_text: str,
                budget: int = CHECK_PAIRS) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, at least ``identity`` similar but in different clusters: among all pairs
    when there are at most ``budget``, else among a seeded sample of rows against every sequence."""
    n = len(unique)
    if n * (n - 1) // 2 <= budget:
        rows, cols = similar_pairs(list(unique), identity)
    else:
        rng = np.random.default_rng(int(hashlib.sha256(seed_text.encode()).hexdigest()[:16], 16))
        sample = np.sort(rng.choice(n, size=max(1, budget // n), replace=False))
        block = similarity_block([unique[i] for i in sample], list(unique), cutoff=identity)
        i, cols = np.nonzero(at_least(block, identity))
        rows = sample[i]
    apart = labels[rows] != labels[cols]
    return {(min(a, b), max(a, b)) for a, b in zip(rows[apart].tolist(), cols[apart].tolist(), strict=True)}


def read_checked(path: Path, params: dict[str, Any], unique: Sequence[str], key: str) -> np.ndarray | None:
    """The entry's labels when it checks out; None when there is none. A bad entry is one warning."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        log.warning("cluster cache: cannot read %s (%s); the clusters are recomputed", path, err)
        return None
    labels = decode_entry(data, params, unique, path.parent)
    if labels is None:
        if foreign_frame(data, MAGIC):
            return None  # another key's or an unsigned entry: one warning per folder (protsweep.framed)
        log.warning("cluster cache: %s is not an intact entry of these sequences and settings; "
                    "the clusters are recomputed and the entry replaced", path)
        return None
    leaks = leaky_pairs(unique, labels, float(params["identity"]), key)
    if leaks:
        i, j = min(leaks)
        log.warning("cluster cache: %s puts %d pair(s) at >= %s similarity in different clusters (e.g. sequences "
                    "%d and %d): a leaky split; the clusters are recomputed and the entry replaced",
                    path, len(leaks), params["identity"], i, j)
        return None
    return labels


def join_leaky_clusters(unique: Sequence[str], labels: np.ndarray, identity: float, key: str) -> np.ndarray:
    """``labels`` with the clusters of every pair :func:`leaky_pairs` finds joined (single linkage again)."""
    leaks = leaky_pairs(unique, labels, identity, key)
    if not leaks:
        return labels
    log.warning("clusters: %d pair(s) at >= %s similarity were in different clusters (MMseqs2 missed them); "
                "their clusters are joined", len(leaks), identity)
    ends = np.array(sorted(leaks))
    n_clusters = int(labels.max()) + 1
    return connected_labels(n_clusters, labels[ends[:, 0]], labels[ends[:, 1]])[labels]


def write_entry(path: Path, params: dict[str, Any], unique: Sequence[str], labels: np.ndarray) -> None:
    """Write fresh clusters atomically."""
    data = encode_entry(params, unique, labels)
    write_atomic(path, lambda tmp: tmp.write_bytes(data))

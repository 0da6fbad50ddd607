"""The nearest-neighbour reference's scores cached on disk (``<paths.cache_dir>/nn_reference/<key>.nnref``).

Every seed and variant of a split computes the same reference (it does not train): on Guo's pairs 12-73 s per
job. The entry's key hashes the content of the training rows (sequences or pairs, and labels), of the test
rows and the reference's settings, so a data set, split or fold that differs in one row is another entry.

An entry is a framed entry (:mod:`protsweep.framed`, signed with this user's cache key: another key's or a
planted entry is refused there) whose header repeats those hashes and the settings, and
whose payload is one float64 score per test row. Before reuse it must check out in every field, its scores
must be finite and in [-1, 1], and :data:`SPOT_ROWS` test rows (seeded by the key) are recomputed and must
match: a planted entry with the right header but wrong numbers is then caught unless it changed few rows. One
that fails is one warning naming the file; the scores are recomputed and the entry replaced atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from protsweep.atomic import write_atomic
from protsweep.framed import decode_frame, encode_frame, foreign_frame

log = logging.getLogger(__name__)

MAGIC = b"PSNNRF\x01"
FOLDER = "nn_reference"
SUFFIX = ".nnref"
#: test rows recomputed to check a cached entry's numbers
SPOT_ROWS = 8
#: a recomputed score matches the cached one within this
SPOT_TOLERANCE = 1e-6
_SCORE_DTYPE = np.dtype("<f8")

Scorer = Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]


def rows_sha256(frame: pd.DataFrame, columns: list[str]) -> str:
    """The SHA-256 of ``columns`` of ``frame``, row by row in order."""
    return hashlib.sha256(json.dumps(frame[columns].astype(str).to_numpy().tolist()).encode()).hexdigest()


def content_columns(frame: pd.DataFrame) -> list[str]:
    """What the reference reads from a frame: the sequence(s) and the label."""
    return ["seq_a", "seq_b", "label"] if "seq_a" in frame.columns else ["sequence", "label"]


def entry_header(train: pd.DataFrame, test: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any]:
    return {"train_sha256": rows_sha256(train, content_columns(train)),
            "test_sha256": rows_sha256(test, content_columns(test)), "n_test": len(test), "settings": settings}


def entry_key(header: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()[:32]


def decode_scores(data: bytes, header: dict[str, Any], folder: Path | None = None) -> np.ndarray | None:
    """The entry's scores when it is an intact entry with this header and plausible scores, signed with this
    user's cache key (``folder``: the cache folder a warning about another key's entries names)."""
    frame = decode_frame(data, MAGIC, folder)
    if frame is None:
        return None
    found, payload = frame
    if any(found.get(name) != value for name, value in header.items()):
        return None
    if len(payload) != header["n_test"] * _SCORE_DTYPE.itemsize:
        return None
    scores = np.frombuffer(payload, dtype=_SCORE_DTYPE).astype(np.float64)
    return scores if np.all(np.isfinite(scores)) and np.all(np.abs(scores) <= 1.0) else None


def spot_check(scores: np.ndarray, train: pd.DataFrame, test: pd.DataFrame, scorer: Scorer, key: str) -> bool:
    """Whether :data:`SPOT_ROWS` test rows, recomputed, match the cached scores."""
    if not len(test):
        return True
    rng = np.random.default_rng(int(key[:16], 16))
    rows = np.sort(rng.choice(len(test), size=min(SPOT_ROWS, len(test)), replace=False))
    fresh = scorer(train, test.iloc[rows])
    return bool(np.allclose(fresh, scores[rows], rtol=0.0, atol=SPOT_TOLERANCE))


def cached_scores(train: pd.DataFrame, test: pd.DataFrame, scorer: Scorer, settings: dict[str, Any],
                  cache_dir: str | Path | None) -> np.ndarray:
    """``scorer(train, test)``, read from the cache when an entry there checks out, else computed and stored."""
    if not cache_dir:
        return scorer(train, test)
    header = entry_header(train, test, settings)
    key = entry_key(header)
    path = Path(str(cache_dir)).expanduser() / FOLDER / f"{key}{SUFFIX}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as err:
        log.warning("nearest-neighbour reference cache: cannot read %s (%s); it is recomputed", path, err)
        data = None
    if data is not None:
        scores = decode_scores(data, header, path.parent)
        if scores is not None and spot_check(scores, train, test, scorer, key):
            return scores
        if not foreign_frame(data, MAGIC):  # another key's entries: one warning per folder (protsweep.framed)
            log.warning("nearest-neighbour reference cache: %s does not check out (format, checksum, data hashes "
                        "or recomputed rows); the scores are recomputed and the entry replaced", path)
    scores = np.asarray(scorer(train, test), dtype=np.float64)
    entry = encode_frame(MAGIC, header, np.ascontiguousarray(scores, dtype=_SCORE_DTYPE).tobytes())
    write_atomic(path, lambda tmp: tmp.write_bytes(entry))
    return scores

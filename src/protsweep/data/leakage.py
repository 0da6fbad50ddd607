"""The leakage report of a split: for each test (and valid) sequence, its highest similarity to any training
sequence, and the share of them at or above 70/80/90/95% (normalised Levenshtein, :mod:`.similarity`).

Pairs report their proteins: each distinct protein of the test (valid) pairs against every protein of the
training pairs. A random pair split shares proteins between splits, so most of its test proteins read 100%.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protsweep.data.similarity import at_least, nearest_similarity

#: the similarity levels whose shares are reported
LEAKAGE_THRESHOLDS = (0.7, 0.8, 0.9, 0.95)
SIMILARITY_NAME = "normalised Levenshtein"
HELD_OUT = ("valid", "test")


def threshold_key(threshold: float) -> str:
    """``0.8`` -> ``"ge_80"``: the run.json key of the share at or above a level."""
    return f"ge_{round(threshold * 100)}"


def leakage_shares(nearest: np.ndarray) -> dict[str, Any]:
    """Count and the share at or above each of :data:`LEAKAGE_THRESHOLDS`."""
    nearest = np.asarray(nearest, dtype=float)
    shares = {threshold_key(t): round(float(np.mean(at_least(nearest, t))), 4) if len(nearest) else None
              for t in LEAKAGE_THRESHOLDS}
    return {"n": len(nearest), **shares}


def sequences_of(part: pd.DataFrame) -> list[str]:
    """The distinct sequences of a split: single sequences, or both sides of pairs."""
    if "seq_a" in part.columns:
        return list(dict.fromkeys([*part["seq_a"], *part["seq_b"]]))
    return list(dict.fromkeys(part["sequence"]))


def nearest_to_train(held_out: Sequence[str], train: Sequence[str]) -> np.ndarray:
    """Highest similarity to training, exact from the lowest reported level up (0 below it: faster)."""
    return nearest_similarity(list(held_out), list(train), floor=min(LEAKAGE_THRESHOLDS))


def leakage_report(parts: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """run.json's ``leakage`` section for the ``train``, ``valid`` and ``test`` parts of one split."""
    train = sequences_of(parts["train"])
    report: dict[str, Any] = {
        "similarity": SIMILARITY_NAME,
        "unit": "protein" if "seq_a" in parts["train"].columns else "sequence",
        "thresholds": list(LEAKAGE_THRESHOLDS),
    }
    for name in HELD_OUT:
        report[name] = leakage_shares(nearest_to_train(sequences_of(parts[name]), train))
    return report

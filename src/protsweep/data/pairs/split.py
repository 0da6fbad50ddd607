"""Train/valid/test splits of pairs, seeded by ``data.split_seed`` alone (never by the training seed).

``random``: each unordered pair (one row after deduplication) goes to one split, stratified by label.
``cold``: the *proteins* (unique sequences) are split, and a pair is kept only when both of its proteins
fall in the same split, so no protein is seen in two splits: a model cannot score a test pair by having
memorised one of its partners. Pairs that straddle two splits are dropped, and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from protsweep.data.config import SplitMethod
from protsweep.data.pairs.dedup import unordered_key
from protsweep.data.split import SPLITS, assign_splits, check_both_classes, check_unique_owner
from protsweep.errors import DataError


def random_split(frame: pd.DataFrame, valid_frac: float, test_frac: float, seed: int) -> tuple[pd.DataFrame, dict]:
    out = assign_splits(frame, valid_frac, test_frac, seed)
    return out, {"method": "random", "dropped_pairs": 0}


def cold_protein_fractions(valid_frac: float, test_frac: float) -> dict[str, float]:
    """Protein shares that give kept *pairs* roughly the requested shares.

    With proteins split at shares p_s, about p_s**2 of the pairs land inside split s, so p_s is taken
    proportional to sqrt(requested pair share).
    """
    target = {"train": 1.0 - valid_frac - test_frac, "valid": valid_frac, "test": test_frac}
    roots = {name: float(np.sqrt(max(share, 0.0))) for name, share in target.items()}
    total = sum(roots.values())
    return {name: root / total for name, root in roots.items()}


def cold_split(frame: pd.DataFrame, valid_frac: float, test_frac: float, seed: int) -> tuple[pd.DataFrame, dict]:
    proteins = np.array(sorted(set(frame["seq_a"]) | set(frame["seq_b"])), dtype=object)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(proteins))
    shares = cold_protein_fractions(valid_frac, test_frac)
    n_valid = round(shares["valid"] * len(proteins))
    n_test = round(shares["test"] * len(proteins))
    owner: dict[str, str] = {}
    for rank, index in enumerate(order):
        split = "valid" if rank < n_valid else "test" if rank < n_valid + n_test else "train"
        owner[proteins[index]] = split
    side_a = frame["seq_a"].map(owner)
    side_b = frame["seq_b"].map(owner)
    same = side_a == side_b
    out = frame[same.to_numpy()].copy()
    out["split"] = side_a[same].to_numpy()
    report: dict[str, Any] = {
        "method": "cold",
        "proteins": {name: int(sum(1 for s in owner.values() if s == name)) for name in SPLITS},
        "protein_shares": {name: round(share, 4) for name, share in shares.items()},
        "dropped_pairs": int((~same).sum()),
        "kept_pairs": int(same.sum()),
        "dropped_frac": round(float((~same).mean()), 4) if len(frame) else 0.0,
    }
    return out, report


#: ``data.split`` -> the splitter: (pairs, valid_frac, test_frac, split_seed) -> (pairs with ``split``, report)
SPLITTERS: dict[SplitMethod, Callable[[pd.DataFrame, float, float, int], tuple[pd.DataFrame, dict]]] = {
    SplitMethod.random: random_split,
    SplitMethod.cold: cold_split,
}


def check_pair_splits(frame: pd.DataFrame, source: str, cold: bool) -> None:
    """No pair in two splits; with ``cold``, no protein in two splits; both classes in every split."""
    check_unique_owner(frame, unordered_key(frame["seq_a"], frame["seq_b"]), source, "pair")
    if cold:
        sides = pd.concat(
            [
                frame[["seq_a", "split"]].set_axis(["seq", "split"], axis=1),
                frame[["seq_b", "split"]].set_axis(["seq", "split"], axis=1),
            ]
        )
        shared = sides.groupby("seq")["split"].nunique()
        if (shared > 1).any():
            raise DataError(source, "cold split: a protein sits in two splits")
    hint = " (a cold split keeps only pairs inside one split: use more pairs)" if cold else ""
    check_both_classes(frame, source, hint)

"""Duplicate pairs, in either order, resolved by the ``data.dedup`` policy.

A pair is the unordered pair of its two *sequences*: (a, b) and (b, a) are one pair, and so are two pairs
whose ids differ but whose sequences are the same. Otherwise one interaction could land in train and test.
The first occurrence is kept (its order of A and B, and its ids); a soft training ``target`` becomes the
mean of its rows' targets (the 0/1 label follows the policy).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protsweep.data.config import Dedup
from protsweep.data.dedup import deduplicate_by_key


def unordered_key(seq_a: pd.Series, seq_b: pd.Series) -> pd.Series:
    low = seq_a.where(seq_a <= seq_b, seq_b)
    high = seq_b.where(seq_a <= seq_b, seq_a)
    return low + ":" + high


def _repeated_pair(first: pd.Series, conflict: str) -> str:
    return f"pair ({first['id_a']}, {first['id_b']}) repeated{conflict} (in either order)"


def deduplicate_pairs(
    frame: pd.DataFrame, policy: Dedup | str, soft_target: bool = False
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per unordered pair (see :class:`~protsweep.data.config.Dedup`). With ``soft_target``, the
    kept row's ``target`` is the mean over the pair's rows; otherwise it is its (merged) 0/1 label."""
    rows = frame.copy()
    rows["pair_key"] = unordered_key(rows["seq_a"], rows["seq_b"])
    orders = (rows["seq_a"] + ":" + rows["seq_b"]).groupby(rows["pair_key"], sort=False).nunique()
    both_orders = {"pairs_seen_in_both_orders": int((orders > 1).sum())}
    merged, report = deduplicate_by_key(rows, "pair_key", policy, "pair", _repeated_pair, extra_counts=both_orders)
    if soft_target:
        merged["target"] = merged["pair_key"].map(rows.groupby("pair_key", sort=False)["target"].mean()).to_numpy()
    elif "target" in rows.columns:
        merged["target"] = merged["label"].astype(float)
    return merged, report

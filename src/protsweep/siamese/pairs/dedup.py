"""Duplicate pairs, in either order, resolved by the ``data.dedup`` policy.

A pair is the unordered pair of its two *sequences*: (a, b) and (b, a) are one pair, and so are two pairs
whose ids differ but whose sequences are the same. Otherwise one interaction could land in train and test.
The first occurrence is kept (its order of A and B, and its ids).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protsweep.data.dedup import merge_by_key
from protsweep.errors import DataError
from protsweep.siamese.schema import PairDedup


def unordered_key(seq_a: pd.Series, seq_b: pd.Series) -> pd.Series:
    low = seq_a.where(seq_a <= seq_b, seq_b)
    high = seq_b.where(seq_a <= seq_b, seq_a)
    return low + ":" + high


def deduplicate_pairs(frame: pd.DataFrame, policy: PairDedup) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per unordered pair. ``majority``: the majority label, ties dropped; ``drop_conflicts``:
    pairs labelled both ways are dropped; ``error``: any repeated pair is an error."""
    rows = frame.copy()
    rows["pair_key"] = unordered_key(rows["seq_a"], rows["seq_b"])
    groups = rows.groupby("pair_key", sort=False)
    size = groups["label"].transform("size")
    positives = groups["label"].transform("sum")
    conflicting = (positives > 0) & (positives < size)
    orders = (rows["seq_a"] + ":" + rows["seq_b"]).groupby(rows["pair_key"], sort=False).nunique()
    report: dict[str, Any] = {
        "policy": policy.value,
        "n_rows": len(rows),
        "n_unique": int(groups.ngroups),
        "duplicate_rows": int(len(rows) - groups.ngroups),
        "pairs_seen_in_both_orders": int((orders > 1).sum()),
        "conflicting_pairs": int(rows.loc[conflicting, "pair_key"].nunique()),
    }
    if policy is PairDedup.error and report["duplicate_rows"]:
        dup = rows[size > 1]
        first = dup.iloc[0]
        places = dup.loc[dup["pair_key"] == first["pair_key"], "row"].tolist()
        kind = " with conflicting labels" if bool(conflicting[dup.index[0]]) else ""
        raise DataError(
            str(first["source"]),
            f"pair ({first['id_a']}, {first['id_b']}) repeated{kind} (in either order) in rows "
            f"{', '.join(map(str, places))} (data.dedup=error)",
            row=int(first["row"]),
        )

    merged, counts = merge_by_key(rows, "pair_key", majority=policy is PairDedup.majority)
    report.update(counts, n_kept=len(merged))
    return merged, report

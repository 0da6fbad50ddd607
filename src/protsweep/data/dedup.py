"""Duplicate sequences and conflicting labels, resolved by a configured policy.

Each measurement is often its own row (hemolysis: 9316 rows, 6076 unique sequences), so duplicates
must be merged before splitting, or the same sequence lands in train and test.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protsweep.errors import ConfigError, DataError

POLICIES = ("majority", "drop_conflicts", "error")


def deduplicate(rows: pd.DataFrame, policy: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per unique sequence. ``majority`` takes the majority label and drops ties;
    ``drop_conflicts`` drops sequences labelled both ways; ``error`` refuses any duplicate."""
    if policy not in POLICIES:
        raise ConfigError(f"data.dedup must be one of {', '.join(POLICIES)}, not '{policy}'")
    groups = rows.groupby("sequence", sort=False)
    size = groups["label"].transform("size")
    positives = groups["label"].transform("sum")
    conflicting = (positives > 0) & (positives < size)
    report: dict[str, Any] = {
        "policy": policy,
        "n_rows": len(rows),
        "n_unique": int(groups.ngroups),
        "duplicate_rows": int(len(rows) - groups.ngroups),
        "conflicting_sequences": int(rows.loc[conflicting, "sequence"].nunique()),
    }
    if policy == "error" and report["duplicate_rows"]:
        dup = rows[size > 1]
        first = dup.iloc[0]
        others = dup.loc[dup["sequence"] == first["sequence"], "row"].tolist()
        what = "sequence repeated with conflicting labels" if bool(conflicting[dup.index[0]]) else "sequence repeated"
        rows_text = ", ".join(map(str, others))
        raise DataError(str(first["source"]), f"{what} in rows {rows_text} (data.dedup=error)", row=int(first["row"]))
    if "split" in rows.columns:
        leaks = groups["split"].transform("nunique") > 1
        if leaks.any():
            first = rows[leaks].iloc[0]
            places = rows.loc[rows["sequence"] == first["sequence"], ["row", "split"]]
            where = ", ".join(f"row {r} ({s})" for r, s in places.itertuples(index=False))
            raise DataError(str(first["source"]), f"the same sequence sits in two splits: {where}")

    merged, counts = merge_by_key(rows, "sequence", majority=policy == "majority")
    report.update(counts, n_kept=len(merged))
    return merged, report


def merge_by_key(rows: pd.DataFrame, key: str, majority: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per value of ``key`` (its first row, with ``n_rows``). ``majority``: the majority label,
    ties dropped; otherwise keys labelled both ways are dropped. Shared by sequences and pairs."""
    labels = rows.groupby(key, sort=False)["label"]
    n, n_pos = labels.size(), labels.sum()
    merged = rows.drop_duplicates(key, keep="first").set_index(key).loc[n.index].copy()
    merged["n_rows"] = n.to_numpy()
    if majority:
        drop = (2 * n_pos == n).to_numpy()
        merged["label"] = (2 * n_pos > n).astype(int).to_numpy()
        counts = {"dropped_ties": int(drop.sum())}
    else:
        drop = ((n_pos > 0) & (n_pos < n)).to_numpy()
        merged["label"] = (n_pos > 0).astype(int).to_numpy()
        counts = {"dropped_conflicts": int(drop.sum())}
    return merged[~drop].reset_index(), counts

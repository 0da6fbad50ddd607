"""Repeated examples and conflicting labels, resolved by the ``data.dedup`` policy.

Each measurement is often its own row (hemolysis: 9316 rows, 6076 unique sequences), so repeats must be
merged before splitting, or the same sequence lands in train and test. The same code merges sequences
(keyed by the sequence) and pairs (keyed by the unordered pair of sequences, :mod:`protsweep.data.pairs.dedup`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from protsweep.data.config import Dedup, choice
from protsweep.data.validate import row_list
from protsweep.errors import DataError


def duplicate_counts(rows: pd.DataFrame, key: str, noun: str) -> tuple[dict[str, Any], pd.Series, pd.Series]:
    """The counts for run.json, and per row: how many rows share its key, and whether that key is labelled
    both ways."""
    groups = rows.groupby(key, sort=False)
    size = groups["label"].transform("size")
    positives = groups["label"].transform("sum")
    conflicting = (positives > 0) & (positives < size)
    counts = {
        "n_rows": len(rows),
        "n_unique": int(groups.ngroups),
        "duplicate_rows": int(len(rows) - groups.ngroups),
        f"conflicting_{noun}s": int(rows.loc[conflicting, key].nunique()),
    }
    return counts, size, conflicting


def refuse_duplicates(
    rows: pd.DataFrame, key: str, size: pd.Series, conflicting: pd.Series, subject: Callable[[pd.Series, str], str]
) -> None:
    """``data.dedup=error``: the first repeated key is an error naming all its rows. ``subject(first row,
    conflict)`` words it, ``conflict`` being " with conflicting labels" or "" """
    if not (size > 1).any():
        return
    dup = rows[size > 1]
    first = dup.iloc[0]
    places = row_list(dup.loc[dup[key] == first[key], "row"].tolist())
    conflict = " with conflicting labels" if bool(conflicting[dup.index[0]]) else ""
    raise DataError(
        str(first["source"]),
        f"{subject(first, conflict)} in rows {places} (data.dedup=error)",
        row=int(first["row"]),
    )


def merge_by_key(rows: pd.DataFrame, key: str, majority: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per value of ``key`` (its first row, with ``n_rows``). ``majority``: the majority label,
    ties dropped; otherwise keys labelled both ways are dropped."""
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


def deduplicate_by_key(
    rows: pd.DataFrame,
    key: str,
    policy: Dedup | str,
    noun: str,
    subject: Callable[[pd.Series, str], str],
    extra_counts: dict[str, Any] | None = None,
    check: Callable[[pd.DataFrame], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per value of ``key`` under ``policy``; ``check`` runs on the rows before they are merged."""
    policy = choice(Dedup, policy, "data.dedup")
    counts, size, conflicting = duplicate_counts(rows, key, noun)
    report: dict[str, Any] = {"policy": policy.value, **counts, **(extra_counts or {})}
    if policy is Dedup.error:
        refuse_duplicates(rows, key, size, conflicting, subject)
    if check is not None:
        check(rows)
    merged, merge_counts = merge_by_key(rows, key, majority=policy is Dedup.majority)
    report.update(merge_counts, n_kept=len(merged))
    return merged, report


def refuse_split_leaks(rows: pd.DataFrame) -> None:
    """A split column in the data must not put one sequence in two splits."""
    if "split" not in rows.columns:
        return
    leaks = rows.groupby("sequence", sort=False)["split"].transform("nunique") > 1
    if leaks.any():
        first = rows[leaks].iloc[0]
        places = rows.loc[rows["sequence"] == first["sequence"], ["row", "split"]]
        where = ", ".join(f"row {r} ({s})" for r, s in places.itertuples(index=False))
        raise DataError(str(first["source"]), f"the same sequence sits in two splits: {where}")


def deduplicate(rows: pd.DataFrame, policy: Dedup | str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per unique sequence (see :class:`~protsweep.data.config.Dedup`)."""
    return deduplicate_by_key(rows, "sequence", policy, "sequence", _repeated_sequence, check=refuse_split_leaks)


def _repeated_sequence(first: pd.Series, conflict: str) -> str:
    return f"sequence repeated{conflict}"

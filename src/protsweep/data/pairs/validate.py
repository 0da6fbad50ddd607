"""Row-level checks of pair data, each error located by file, row and column.

The same sequence and id checks as for single sequences (:mod:`protsweep.data.validate`), plus
what only pairs have: ids resolved through a sequence table (unknown ids, one id with two sequences) and
self-pairs, handled by a policy.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protsweep.data.config import SelfPairs, choice
from protsweep.data.dataset import sequence_id
from protsweep.data.pairs.sources import RawPairs
from protsweep.data.validate import check_ids, is_blank, normalise_sequence
from protsweep.errors import DataError


def sequence_table(table: pd.DataFrame, alphabet: str) -> dict[str, str]:
    """id -> normalised sequence. An id listed twice with two different sequences is an error."""
    mapping: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for ident, seq, row, source in table[["id", "sequence", "row", "source"]].itertuples(index=False):
        if is_blank(ident):
            raise DataError(str(source), "id is empty", row=int(row), field="id")
        key = str(ident).strip()
        clean = normalise_sequence(seq, alphabet, str(source), int(row))
        if key in mapping and mapping[key] != clean:
            raise DataError(
                str(source),
                f"id '{key}' has two different sequences (rows {first_row[key]} and {row})",
                row=int(row),
            )
        mapping.setdefault(key, clean)
        first_row.setdefault(key, int(row))
    return mapping


def resolve_pairs(raw: RawPairs, alphabet: str) -> pd.DataFrame:
    """Validated pairs with ``id_a, id_b, seq_a, seq_b`` (upper case), raw ``label``, ``row`` and ``source``.
    Without ids in the data, an id is derived from each sequence (as for single sequences)."""
    pairs = raw.pairs
    out = pd.DataFrame(
        {
            "label": pairs["label"].to_numpy(),
            "row": pairs["row"].astype(int).to_numpy(),
            "source": pairs["source"].astype(str).to_numpy(),
        }
    )
    rows, sources = out["row"].tolist(), out["source"].tolist()
    for side in ("a", "b"):
        id_col = f"id_{side}"
        if id_col in pairs.columns:
            out[id_col] = check_ids(pairs[id_col], sources, rows, field=raw.columns[id_col])
    if raw.sequences is not None:
        table = sequence_table(raw.sequences, alphabet)
        where = str(raw.sequences["source"].iloc[0]) if len(raw.sequences) else "the sequence table"
        for side in ("a", "b"):
            id_col = f"id_{side}"
            seqs = []
            for ident, src, row in zip(out[id_col], sources, rows, strict=True):
                if ident not in table:
                    raise DataError(src, f"unknown id '{ident}': not in {where}", row=row, field=raw.columns[id_col])
                seqs.append(table[ident])
            out[f"seq_{side}"] = seqs
    else:
        for side in ("a", "b"):
            col = f"seq_{side}"
            out[col] = [
                normalise_sequence(v, alphabet, s, r, field=raw.columns[col])
                for v, s, r in zip(pairs[col], sources, rows, strict=True)
            ]
            if f"id_{side}" not in out.columns:
                out[f"id_{side}"] = out[col].map(sequence_id)
        check_id_consistency(out, raw.columns)
    return out[["id_a", "id_b", "seq_a", "seq_b", "label", "row", "source"]]


def check_id_consistency(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """With ids and sequences in the same file, one id must always name the same sequence."""
    seen: dict[str, tuple[str, int]] = {}
    for side in ("a", "b"):
        for ident, seq, row, src in frame[[f"id_{side}", f"seq_{side}", "row", "source"]].itertuples(index=False):
            if ident in seen and seen[ident][0] != seq:
                raise DataError(
                    src,
                    f"id '{ident}' names two different sequences (rows {seen[ident][1]} and {row})",
                    row=int(row),
                    field=columns.get(f"id_{side}"),
                )
            seen.setdefault(ident, (seq, int(row)))


def apply_self_pair_policy(frame: pd.DataFrame, policy: SelfPairs | str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A self-pair has the same sequence on both sides (a homodimer, or the same protein under two ids)."""
    policy = choice(SelfPairs, policy, "data.self_pairs")
    is_self = frame["seq_a"] == frame["seq_b"]
    report = {"policy": policy.value, "found": int(is_self.sum())}
    if policy is SelfPairs.error and is_self.any():
        first = frame[is_self].iloc[0]
        raise DataError(
            str(first["source"]),
            f"self-pair ({first['id_a']}, {first['id_b']}: the same sequence on both sides); "
            "data.self_pairs=drop or keep allows them",
            row=int(first["row"]),
        )
    if policy is SelfPairs.drop:
        frame = frame[~is_self].reset_index(drop=True)
        report["dropped"] = report["found"]
    else:
        report["dropped"] = 0
    return frame, report

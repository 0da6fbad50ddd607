"""Row-level validation of raw rows: labels, sequences, split names and ids, each error located by file and row.

Shared by single sequences and pairs (:mod:`protsweep.data.pairs.validate` adds what only pairs have).
"""

from __future__ import annotations

import math

import pandas as pd

from protsweep.data.config import STANDARD_AMINO_ACIDS
from protsweep.errors import DataError

SPLIT_NAMES = ("train", "valid", "test")
_LABEL_WORDS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}
_MISSING_WORDS = frozenset({"nan", "na", "none", "null"})


def is_blank(value: object) -> bool:
    """None, NaN, or only white space."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def is_missing_word(value: object) -> bool:
    """A spelled-out missing value (``NaN``, ``NA``, ``None``, ``null``)."""
    return str(value).strip().lower() in _MISSING_WORDS


def parse_label(value: object, source: str, row: int, field: str = "label") -> int:
    """A label must be 0 or 1 (as text or number); anything else is an error naming the row."""
    if is_blank(value):
        raise DataError(source, "label is missing (NaN/empty)", row=row, field=field)
    if is_missing_word(value):
        raise DataError(source, f"label is missing ({value!r})", row=row, field=field)
    text = str(value).strip().lower()
    if text not in _LABEL_WORDS:
        raise DataError(source, f"label {value!r} is not 0 or 1", row=row, field=field)
    return _LABEL_WORDS[text]


def normalise_sequence(value: object, alphabet: str, source: str, row: int, field: str = "sequence") -> str:
    """Upper-case the sequence and check every residue against the alphabet."""
    if is_blank(value):
        raise DataError(source, "sequence is empty", row=row, field=field)
    sequence = str(value).strip().upper()
    allowed = set(alphabet)
    for position, residue in enumerate(sequence, start=1):
        if residue not in allowed:
            raise DataError(
                source,
                f"character {residue!r} at position {position} is not an amino acid of the alphabet {alphabet}",
                row=row,
                field=field,
            )
    return sequence


def check_ids(values: pd.Series, sources: list[str], rows: list[int], field: str = "id") -> list[str]:
    """Ids stripped of white space; an empty one is an error naming its row."""
    ids = []
    for value, source, row in zip(values, sources, rows, strict=True):
        if is_blank(value):
            raise DataError(source, "id is empty", row=row, field=field)
        ids.append(str(value).strip())
    return ids


def validate_rows(raw: pd.DataFrame, alphabet: str = STANDARD_AMINO_ACIDS) -> pd.DataFrame:
    """Check and normalise raw rows. Returns ``sequence`` (upper case), ``label`` (int), ``row``,
    ``source`` and, when present, ``id`` and ``split``."""
    out = raw.copy()
    sources = out["source"].astype(str).tolist()
    rows = out["row"].astype(int).tolist()
    out["sequence"] = [
        normalise_sequence(v, alphabet, s, r) for v, s, r in zip(out["sequence"], sources, rows, strict=True)
    ]
    out["label"] = [parse_label(v, s, r) for v, s, r in zip(out["label"], sources, rows, strict=True)]
    if "split" in out.columns:
        for value, source, row in zip(out["split"], sources, rows, strict=True):
            if value not in SPLIT_NAMES:
                raise DataError(
                    source, f"split {value!r} is not one of {', '.join(SPLIT_NAMES)}", row=row, field="split"
                )
    if "id" in out.columns:
        refuse_duplicate_ids(pd.Series(check_ids(out["id"], sources, rows)), out["sequence"], sources, rows)
    return out.reset_index(drop=True)


def row_list(rows: list[int], limit: int = 5) -> str:
    """``2, 7, 9`` or, for many rows, ``2, 7, 9, 11, 12 and 99,995 more``: a line stays short."""
    shown = ", ".join(map(str, rows[:limit]))
    return f"{shown} and {len(rows) - limit:,} more" if len(rows) > limit else shown


def refuse_duplicate_ids(ids: pd.Series, sequences: pd.Series, sources: list[str], rows: list[int]) -> None:
    """One id naming two different sequences is an error naming the id and its rows (repeats of one sequence
    under one id are measurements, merged by ``data.dedup``)."""
    frame = pd.DataFrame({"id": ids.to_numpy(), "sequence": sequences.to_numpy(), "row": rows, "source": sources})
    clash = frame.groupby("id", sort=False)["sequence"].transform("nunique") > 1
    if clash.any():
        first = frame[clash].iloc[0]
        places = frame.loc[frame["id"] == first["id"], "row"].tolist()
        raise DataError(str(first["source"]), f"id {str(first['id'])[:80]!r} names different sequences in rows "
                        f"{row_list(places)}: ids must be unique", field="id")

"""Row-level validation of raw rows: labels, sequences and split names, each error located by file and row."""

from __future__ import annotations

import math

import pandas as pd

from protsweep.errors import DataError

STANDARD_AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
SPLIT_NAMES = ("train", "valid", "test")
_LABEL_WORDS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}


def parse_label(value: object, source: str, row: int, field: str = "label") -> int:
    """A label must be 0 or 1 (as text or number); anything else is an error naming the row."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing or (isinstance(value, str) and not value.strip()):
        raise DataError(source, "label is missing (NaN/empty)", row=row, field=field)
    text = str(value).strip().lower()
    if text in {"nan", "na", "none", "null"}:
        raise DataError(source, f"label is missing ({value!r})", row=row, field=field)
    if text not in _LABEL_WORDS:
        raise DataError(source, f"label {value!r} is not 0 or 1", row=row, field=field)
    return _LABEL_WORDS[text]


def normalise_sequence(value: object, alphabet: str, source: str, row: int, field: str = "sequence") -> str:
    """Upper-case the sequence and check every residue against the alphabet."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise DataError(source, "sequence is empty", row=row, field=field)
    sequence = str(value).strip().upper()
    if not sequence:
        raise DataError(source, "sequence is empty", row=row, field=field)
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
                raise DataError(source, f"split {value!r} is not one of {', '.join(SPLIT_NAMES)}", row=row,
                                field="split")
    if "id" in out.columns:
        for value, source, row in zip(out["id"], sources, rows, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip():
                raise DataError(source, "id is empty", row=row, field="id")
    return out.reset_index(drop=True)

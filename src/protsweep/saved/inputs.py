"""The input of ``protsweep-predict``: sequences (FASTA or CSV/TSV) or pairs (CSV/TSV), checked as training
data is (the readers and row checks of :mod:`protsweep.data`): every problem is one line naming the file,
row and field. Labels are optional; when a label column (or ``label=`` in every FASTA header) is present,
every label must be 0 or 1. A residue outside the model's alphabet is handled by a
:class:`~protsweep.saved.residues.ResiduePolicy` (``protsweep-predict --nonstandard``: map, skip the record, or
refuse the file; the reader's default is to refuse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from protsweep.data.dataset import sequence_id
from protsweep.data.pairs.dataset import pair_id
from protsweep.data.readers import FASTA_SUFFIXES, existing_file, read_fasta, read_table, require_columns
from protsweep.data.validate import check_ids, normalise_sequence, parse_label
from protsweep.errors import DataError
from protsweep.saved.residues import ResiduePolicy

FASTA_LABEL = re.compile(r"label=([^\s|;]+)")


@dataclass(frozen=True)
class InputColumns:
    """Column names in an input table (ids and labels are used when present)."""

    sequence: str = "sequence"
    seq_a: str = "seq_a"
    seq_b: str = "seq_b"
    id: str = "id"
    id_a: str = "id_a"
    id_b: str = "id_b"
    label: str = "label"


def _labels(raw: pd.Series | None, sources: list[str], rows: list[int], field: str) -> list[int] | None:
    if raw is None:
        return None
    return [parse_label(v, s, r, field) for v, s, r in zip(raw, sources, rows, strict=True)]


def _sequences(
    raw: pd.Series, alphabet: str, sources: list[str], rows: list[int], field: str, policy: ResiduePolicy | None
) -> list[str | None]:
    if policy is None:
        return [normalise_sequence(v, alphabet, s, r, field) for v, s, r in zip(raw, sources, rows, strict=True)]
    return [policy.sequence(v, alphabet, s, r, field) for v, s, r in zip(raw, sources, rows, strict=True)]


def _kept(table: pd.DataFrame, rows: list[int], *columns: list[str | None]) -> tuple[pd.DataFrame, list[int], list]:
    """The records whose sequences the policy kept (all of them without one)."""
    keep = [all(c[i] is not None for c in columns) for i in range(len(rows))]
    picked = [[v for v, k in zip(c, keep, strict=True) if k] for c in columns]
    return table[keep].reset_index(drop=True), [r for r, k in zip(rows, keep, strict=True) if k], picked


def _fasta_labels(records: pd.DataFrame, path: Path) -> pd.Series | None:
    found = records["description"].str.extract(FASTA_LABEL, expand=False)
    if found.isna().all():
        return None
    if found.isna().any():
        row = int(records.loc[found.isna(), "row"].iloc[0])
        raise DataError(str(path), "header has no label=... while other headers have one", row=row)
    return found


def read_single(
    path: Path, alphabet: str, columns: InputColumns = InputColumns(), policy: ResiduePolicy | None = None
) -> pd.DataFrame:
    """``id, sequence`` (+ ``label``) of FASTA records or table rows. Without ids, the id is derived from
    the sequence as in training (so it matches predictions.csv's)."""
    if path.suffix.lower() in FASTA_SUFFIXES:
        table = read_fasta(path)
        labels, seq_field, ids = _fasta_labels(table, path), "sequence", table["id"]
        rows = table["row"].astype(int).tolist()
    else:
        table = read_table(path, None)
        require_columns(table, path, {"sequence": columns.sequence})
        labels = table[columns.label] if columns.label in table.columns else None
        ids = table[columns.id] if columns.id in table.columns else None
        seq_field, rows = columns.sequence, list(range(2, len(table) + 2))
    sources = [str(path)] * len(table)
    checked = _sequences(table[seq_field], alphabet, sources, rows, seq_field, policy)
    keep = [s is not None for s in checked]
    table, rows, (sequences,) = _kept(table, rows, checked)
    sources = sources[: len(table)]
    labels = labels[keep].reset_index(drop=True) if labels is not None else None
    ids = ids[keep].reset_index(drop=True) if ids is not None else None
    frame = pd.DataFrame({
        "id": check_ids(ids, sources, rows, columns.id) if ids is not None else [sequence_id(s) for s in sequences],
        "sequence": sequences,
    })
    found = _labels(labels, sources, rows, columns.label)
    return frame if found is None else frame.assign(label=found)


def read_pairs(
    path: Path, alphabet: str, columns: InputColumns = InputColumns(), policy: ResiduePolicy | None = None
) -> pd.DataFrame:
    """``id, sequence (A:B), id_a, id_b, seq_a, seq_b`` (+ ``label``) of a pair table."""
    if path.suffix.lower() in FASTA_SUFFIXES:
        raise DataError(str(path), f"pairs need a CSV/TSV with columns {columns.seq_a}, {columns.seq_b}, not FASTA")
    table = read_table(path, None)
    require_columns(table, path, {"first sequence": columns.seq_a, "second sequence": columns.seq_b})
    sources, rows = [str(path)] * len(table), list(range(2, len(table) + 2))
    checked_a = _sequences(table[columns.seq_a], alphabet, sources, rows, columns.seq_a, policy)
    checked_b = _sequences(table[columns.seq_b], alphabet, sources, rows, columns.seq_b, policy)
    table, rows, (seq_a, seq_b) = _kept(table, rows, checked_a, checked_b)
    sources = sources[: len(table)]
    with_ids = columns.id_a in table.columns and columns.id_b in table.columns
    id_a = check_ids(table[columns.id_a], sources, rows, columns.id_a) if with_ids else [sequence_id(s) for s in seq_a]
    id_b = check_ids(table[columns.id_b], sources, rows, columns.id_b) if with_ids else [sequence_id(s) for s in seq_b]
    frame = pd.DataFrame({
        "id": [pair_id(a, b) for a, b in zip(id_a, id_b, strict=True)],
        "sequence": [f"{a}:{b}" for a, b in zip(seq_a, seq_b, strict=True)],
        "id_a": id_a, "id_b": id_b, "seq_a": seq_a, "seq_b": seq_b,
    })
    labels = table[columns.label] if columns.label in table.columns else None
    found = _labels(labels, sources, rows, columns.label)
    return frame if found is None else frame.assign(label=found)


#: a predictor's ``input_kind`` -> its reader
READERS = {"single": read_single, "pairs": read_pairs}


def read_inputs(
    path: str | Path, kind: str, alphabet: str, columns: InputColumns = InputColumns(),
    policy: ResiduePolicy | None = None,
) -> pd.DataFrame:
    file = existing_file(path, "input file", "--input")
    return READERS[kind](file, alphabet, columns, policy)

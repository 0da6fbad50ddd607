"""Pair data sources. Each ``load()`` returns :class:`RawPairs`: the pair rows as read (nothing validated
yet) and, for id-based formats, the sequence table. Validation happens in :mod:`.validate`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from protsweep.data.readers import existing_file, read_sequence_table, read_table, require_columns
from protsweep.errors import DataError


@dataclass
class RawPairs:
    """``pairs``: ``label`` (raw text), ``row`` (the line a user sees), ``source`` and either
    ``seq_a``/``seq_b`` or ``id_a``/``id_b`` (or both). ``sequences``: ``id``, ``sequence``, ``row``,
    ``source`` for id formats."""

    pairs: pd.DataFrame
    sequences: pd.DataFrame | None
    columns: dict[str, str]  # role (seq_a, id_a, label, ...) -> column name in the file, for error messages


def _pair_rows(table: pd.DataFrame, columns: dict[str, str], path: Path, first_row: int) -> pd.DataFrame:
    frame = pd.DataFrame({role: table[col] for role, col in columns.items()})
    frame["row"] = range(first_row, len(table) + first_row)
    frame["source"] = str(path)
    return frame


@dataclass
class PairsCsvSource:
    """One CSV/TSV with the two sequences of each pair in two columns, a label (or score) column and
    optionally two id columns."""

    path: str
    seq_a_col: str = "seq_a"
    seq_b_col: str = "seq_b"
    label_col: str = "label"
    id_a_col: str | None = None
    id_b_col: str | None = None
    sep: str | None = None

    @property
    def name(self) -> str:
        return str(Path(self.path).expanduser())

    def load(self) -> RawPairs:
        path = existing_file(self.path, "pairs file", "data.source.path")
        table = read_table(path, self.sep)
        columns = {"seq_a": self.seq_a_col, "seq_b": self.seq_b_col, "label": self.label_col}
        if (self.id_a_col is None) != (self.id_b_col is None):
            raise DataError(str(path), "give both id columns (data.source.id_a_col and id_b_col) or neither")
        if self.id_a_col is not None:
            columns |= {"id_a": self.id_a_col, "id_b": str(self.id_b_col)}
        require_columns(table, path, columns)
        return RawPairs(_pair_rows(table, columns, path, first_row=2), None, columns)


@dataclass
class PairsIdsSource:
    """A table of id pairs plus a sequence table: TSV ``id<TAB>sequence`` (a header line ``id sequence``
    is recognised and skipped) or FASTA (the record id is the id)."""

    pairs_path: str
    sequences_path: str
    id_a_col: str = "id_a"
    id_b_col: str = "id_b"
    label_col: str = "label"
    header: bool = True
    names: list[str] | None = None  # column names when header=false
    sep: str | None = None
    sequences_format: str = "auto"  # auto | tsv | fasta

    @property
    def name(self) -> str:
        return str(Path(self.pairs_path).expanduser())

    def load(self) -> RawPairs:
        path = existing_file(self.pairs_path, "pairs file", "data.source.pairs_path")
        if not self.header and not self.names:
            raise DataError(str(path), "header=false needs the column names in data.source.names")
        table = read_table(path, self.sep, self.header, list(self.names) if self.names else None)
        columns = {"id_a": self.id_a_col, "id_b": self.id_b_col, "label": self.label_col}
        require_columns(table, path, columns)
        sequences = read_sequence_table(
            existing_file(self.sequences_path, "sequence table", "data.source.sequences_path"), self.sequences_format
        )
        return RawPairs(_pair_rows(table, columns, path, first_row=2 if self.header else 1), sequences, columns)

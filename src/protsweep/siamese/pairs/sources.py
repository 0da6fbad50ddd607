"""Pair data sources. Each ``load()`` returns :class:`RawPairs`: the pair rows as read (nothing validated
yet) and, for id-based formats, the sequence table. Validation happens in :mod:`.validate`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from protsweep.errors import DataError


@dataclass
class RawPairs:
    """``pairs``: ``label`` (raw text), ``row`` (the line a user sees), ``source`` and either
    ``seq_a``/``seq_b`` or ``id_a``/``id_b`` (or both). ``sequences``: ``id``, ``sequence``, ``row``,
    ``source`` for id formats."""

    pairs: pd.DataFrame
    sequences: pd.DataFrame | None
    columns: dict[str, str]  # role (seq_a, id_a, label, ...) -> column name in the file, for error messages


def existing_file(path: str | Path, what: str) -> Path:
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise DataError(str(resolved), f"{what} not found (set its path in the data config)")
    return resolved


def read_table(path: Path, sep: str | None, header: bool = True, names: list[str] | None = None) -> pd.DataFrame:
    """All cells as text; empty cells as NaN. ``sep=None``: tab for .tsv/.tab, else comma."""
    if sep is None:
        sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        return pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            header=0 if header else None,
            names=None if header else names,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, ValueError) as err:
        raise DataError(str(path), f"cannot be read as a table: {err}") from err


def require_columns(frame: pd.DataFrame, path: Path, columns: dict[str, str | None]) -> None:
    for role, column in columns.items():
        if column is not None and column not in frame.columns:
            raise DataError(
                str(path),
                f"missing {role} column '{column}' (columns present: {', '.join(map(str, frame.columns))})",
            )


def _first_data_row(header: bool) -> int:
    return 2 if header else 1


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
        path = existing_file(self.path, "pairs file")
        table = read_table(path, self.sep)
        columns = {"seq_a": self.seq_a_col, "seq_b": self.seq_b_col, "label": self.label_col}
        if (self.id_a_col is None) != (self.id_b_col is None):
            raise DataError(str(path), "give both id columns (data.source.id_a_col and id_b_col) or neither")
        if self.id_a_col is not None:
            columns |= {"id_a": self.id_a_col, "id_b": str(self.id_b_col)}
        require_columns(table, path, columns)
        frame = pd.DataFrame({role: table[col] for role, col in columns.items()})
        frame["row"] = range(2, len(table) + 2)
        frame["source"] = str(path)
        return RawPairs(frame, None, columns)


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
        path = existing_file(self.pairs_path, "pairs file")
        if not self.header and not self.names:
            raise DataError(str(path), "header=false needs the column names in data.source.names")
        table = read_table(path, self.sep, self.header, list(self.names) if self.names else None)
        columns = {"id_a": self.id_a_col, "id_b": self.id_b_col, "label": self.label_col}
        require_columns(table, path, columns)
        frame = pd.DataFrame({role: table[col] for role, col in columns.items()})
        start = _first_data_row(self.header)
        frame["row"] = range(start, len(table) + start)
        frame["source"] = str(path)
        return RawPairs(frame, self._sequences(), columns)

    def _sequences(self) -> pd.DataFrame:
        path = existing_file(self.sequences_path, "sequence table")
        fmt = self.sequences_format
        if fmt == "auto":
            fmt = "fasta" if path.suffix.lower() in {".fasta", ".fa", ".faa", ".fas"} else "tsv"
        if fmt == "fasta":
            return read_fasta_table(path)
        if fmt == "tsv":
            return read_tsv_table(path)
        raise DataError(str(path), f"sequences_format must be auto, tsv or fasta, not '{fmt}'")


def read_tsv_table(path: Path) -> pd.DataFrame:
    table = read_table(path, "\t", header=False, names=["id", "sequence"])
    if table.shape[1] != 2:
        raise DataError(str(path), "a sequence table needs two tab-separated columns: id, sequence")
    rows = list(range(1, len(table) + 1))
    if (
        len(table)
        and str(table.iloc[0, 0]).strip().lower() == "id"
        and str(table.iloc[0, 1]).strip().lower()
        in {
            "sequence",
            "seq",
        }
    ):
        table = table.iloc[1:]
        rows = rows[1:]
    return pd.DataFrame(
        {
            "id": table["id"].to_numpy(),
            "sequence": table["sequence"].to_numpy(),
            "row": rows,
            "source": str(path),
        }
    )


def read_fasta_table(path: Path) -> pd.DataFrame:
    from Bio import SeqIO

    header_lines = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line.startswith(">")]
    try:
        records = list(SeqIO.parse(str(path), "fasta"))
    except ValueError as err:
        raise DataError(str(path), f"no FASTA records found ({str(err).splitlines()[0]})") from err
    if not records:
        raise DataError(str(path), "no FASTA records found")
    return pd.DataFrame(
        {
            "id": [rec.id for rec in records],
            "sequence": [str(rec.seq) for rec in records],
            "row": [header_lines[i] if i < len(header_lines) else i + 1 for i in range(len(records))],
            "source": str(path),
        }
    )

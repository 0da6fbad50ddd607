"""File readers shared by single-sequence and pair sources: tables, FASTA, id/sequence tables.

Every cell is read as text (validation comes later) and every problem is a :class:`DataError` naming the
file, and the row where there is one. ``row`` is the line number a user sees in the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from protsweep.errors import DataError

FASTA_SUFFIXES = frozenset({".fasta", ".fa", ".faa", ".fas"})


def existing_file(path: str | Path, what: str, key: str) -> Path:
    """``key`` is the config key that names the file (``data.source.labels_path``), for the hint."""
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise DataError(str(resolved), f"{what} not found (set its path with {key}=...)")
    return resolved


def read_table(path: Path, sep: str | None, header: bool = True, names: list[str] | None = None) -> pd.DataFrame:
    """All cells as text; empty cells as NaN. ``sep=None``: tab for .tsv/.tab, else comma. A file without
    rows (empty, or a header line only) is an error."""
    if sep is None:
        sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        table = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            header=0 if header else None,
            names=None if header else names,
        )
    except pd.errors.EmptyDataError:
        raise DataError(str(path), "the file is empty: no header line and no rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(str(path), f"cannot be read as a table: {str(err).strip()}") from err
    if table.empty:
        raise DataError(
            str(path), "no rows: the file has a header line only" if header else "the file is empty: no rows"
        )
    return table


def require_columns(frame: pd.DataFrame, path: Path, columns: dict[str, str | None]) -> None:
    """``columns``: role -> column name in the file (None: not used)."""
    for role, column in columns.items():
        if column is not None and column not in frame.columns:
            raise DataError(
                str(path),
                f"missing {role} column '{column}' (columns present: {', '.join(map(str, frame.columns))})",
            )


def read_fasta(path: Path) -> pd.DataFrame:
    """``id``, ``description`` (the whole header), ``sequence``, ``row`` (the header's line) and ``source``."""
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
            "description": [rec.description for rec in records],
            "sequence": [str(rec.seq) for rec in records],
            "row": [header_lines[i] if i < len(header_lines) else i + 1 for i in range(len(records))],
            "source": str(path),
        }
    )


def read_tsv_table(path: Path) -> pd.DataFrame:
    """``id<TAB>sequence`` lines; a first line ``id<TAB>sequence`` (or ``seq``) is a header and skipped."""
    table = read_table(path, "\t", header=False, names=["id", "sequence"])
    if table.shape[1] != 2:
        raise DataError(str(path), "a sequence table needs two tab-separated columns: id, sequence")
    rows = list(range(1, len(table) + 1))
    first = [str(cell).strip().lower() for cell in table.iloc[0]]
    if first[0] == "id" and first[1] in {"sequence", "seq"}:
        table, rows = table.iloc[1:], rows[1:]
    return pd.DataFrame(
        {"id": table["id"].to_numpy(), "sequence": table["sequence"].to_numpy(), "row": rows, "source": str(path)}
    )


def read_sequence_table(path: Path, fmt: str = "auto") -> pd.DataFrame:
    """An id -> sequence table as FASTA or TSV; ``auto`` decides by the file's suffix."""
    if fmt == "auto":
        fmt = "fasta" if path.suffix.lower() in FASTA_SUFFIXES else "tsv"
    readers = {"fasta": read_fasta, "tsv": read_tsv_table}
    if fmt not in readers:
        raise DataError(str(path), f"sequences_format must be auto, tsv or fasta, not '{fmt}'")
    return readers[fmt](path)

"""Data sources. Each loads raw rows as a DataFrame with ``sequence``, ``label`` and ``row``
(the row number a user sees in the file, for error messages), plus ``id`` and ``split`` when the
file provides them. Validation happens afterwards, in :mod:`protsweep.data.validate`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from protsweep.errors import DataError


def _existing(path: str | Path, what: str = "data file") -> Path:
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise DataError(str(resolved), f"{what} not found (set the path in config, e.g. data.source.path=...)")
    return resolved


def _read_table(path: Path, sep: str | None) -> pd.DataFrame:
    if sep is None:
        sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise DataError(str(path), f"cannot be read as a table: {err}") from err


def _require_columns(frame: pd.DataFrame, path: Path, columns: dict[str, str | None]) -> None:
    for role, column in columns.items():
        if column is not None and column not in frame.columns:
            raise DataError(
                str(path), f"missing {role} column '{column}' (columns present: {', '.join(frame.columns)})"
            )


@dataclass
class CsvSource:
    """A CSV/TSV file with a sequence column, a label column and optionally id and split columns."""

    path: str
    sequence_col: str = "sequence"
    label_col: str = "label"
    split_col: str | None = None
    id_col: str | None = None
    sep: str | None = None

    @property
    def name(self) -> str:
        return str(Path(self.path).expanduser())

    def load(self) -> pd.DataFrame:
        path = _existing(self.path)
        table = _read_table(path, self.sep)
        _require_columns(
            table, path, {"sequence": self.sequence_col, "label": self.label_col, "split": self.split_col,
                          "id": self.id_col},
        )
        frame = pd.DataFrame(
            {
                "sequence": table[self.sequence_col],
                "label": table[self.label_col],
                "row": range(2, len(table) + 2),  # 1-based, after the header line
                "source": str(path),
            }
        )
        if self.split_col is not None:
            frame["split"] = table[self.split_col].str.strip().str.lower()
        if self.id_col is not None:
            frame["id"] = table[self.id_col]
        return frame


@dataclass
class SplitFilesSource:
    """A fixed split given as separate files (train, test and optionally valid), e.g. signalP."""

    train: str
    test: str
    valid: str | None = None
    sequence_col: str = "sequence"
    label_col: str = "label"
    sep: str | None = None

    @property
    def name(self) -> str:
        return str(Path(self.train).expanduser().parent)

    def load(self) -> pd.DataFrame:
        parts = []
        for split, path in (("train", self.train), ("valid", self.valid), ("test", self.test)):
            if path is None:
                continue
            part = CsvSource(path, self.sequence_col, self.label_col, sep=self.sep).load()
            part["split"] = split
            parts.append(part)
        return pd.concat(parts, ignore_index=True)


@dataclass
class FastaSource:
    """FASTA records; the label comes from the header (a regex group) or from a side file (id,label)."""

    path: str
    label_from: str = "header"  # header | file
    header_pattern: str = r"label=([^\s|;]+)"
    labels_path: str | None = None
    labels_id_col: str = "id"
    labels_label_col: str = "label"

    @property
    def name(self) -> str:
        return str(Path(self.path).expanduser())

    def load(self) -> pd.DataFrame:
        from Bio import SeqIO

        path = _existing(self.path)
        ids, headers, seqs, rows = [], [], [], []
        line_of_record = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line.startswith(">")]
        records = list(SeqIO.parse(str(path), "fasta"))
        if not records:
            raise DataError(str(path), "no FASTA records found")
        for index, rec in enumerate(records):
            ids.append(rec.id)
            headers.append(rec.description)
            seqs.append(str(rec.seq))
            rows.append(line_of_record[index] if index < len(line_of_record) else index + 1)
        frame = pd.DataFrame({"id": ids, "sequence": seqs, "row": rows, "source": str(path)})
        if self.label_from == "header":
            pattern = re.compile(self.header_pattern)
            labels = []
            for header, row in zip(headers, rows, strict=True):
                match = pattern.search(header)
                if match is None:
                    raise DataError(str(path), f"header has no label matching /{self.header_pattern}/", row=row)
                labels.append(match.group(1))
            frame["label"] = labels
        elif self.label_from == "file":
            frame["label"] = self._labels_from_file(path, frame)
        else:
            raise DataError(str(path), f"label_from must be 'header' or 'file', not '{self.label_from}'")
        return frame

    def _labels_from_file(self, fasta: Path, frame: pd.DataFrame) -> pd.Series:
        if self.labels_path is None:
            raise DataError(str(fasta), "label_from=file needs data.source.labels_path")
        side = _existing(self.labels_path, "labels file")
        table = _read_table(side, None)
        _require_columns(table, side, {"id": self.labels_id_col, "label": self.labels_label_col})
        dup = table[self.labels_id_col].duplicated()
        if dup.any():
            row = int(dup.to_numpy().nonzero()[0][0]) + 2
            raise DataError(str(side), f"id '{table[self.labels_id_col][row - 2]}' appears twice", row=row)
        mapping = dict(zip(table[self.labels_id_col], table[self.labels_label_col], strict=True))
        missing = ~frame["id"].isin(mapping.keys())
        if missing.any():
            first = frame[missing].iloc[0]
            raise DataError(str(fasta), f"id '{first['id']}' has no label in {side}", row=int(first["row"]))
        return frame["id"].map(mapping)


@dataclass
class ModlampSource:
    """A labelled set shipped with the ``modlamp`` package (BSD), e.g. AMPvsUniProt: 2600 AMPs vs 2600 UniProt."""

    dataset: str = "AMPvsUniProt"

    @property
    def name(self) -> str:
        return f"modlamp:{self.dataset}"

    def load(self) -> pd.DataFrame:
        from modlamp import datasets

        loader = getattr(datasets, f"load_{self.dataset}", None)
        if loader is None:
            raise DataError(self.name, "modlamp has no such dataset")
        bunch = loader()
        return pd.DataFrame(
            {
                "sequence": list(bunch.sequences),
                "label": [str(int(v)) for v in bunch.target],
                "row": range(1, len(bunch.sequences) + 1),
                "source": self.name,
            }
        )

"""Single-sequence data sources. Each ``load()`` returns raw rows as a DataFrame with ``sequence``, ``label``,
``row`` (the line a user sees in the file, for error messages) and ``source``, plus ``id`` and ``split`` when
the file provides them. Validation happens afterwards, in :mod:`protsweep.data.validate`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from protsweep.data.readers import existing_file, read_fasta, read_table, require_columns
from protsweep.errors import DataError


def read_labelled_table(
    path: str,
    path_key: str,
    sequence_col: str,
    label_col: str,
    sep: str | None = None,
    split_col: str | None = None,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Raw rows of one CSV/TSV; ``path_key`` is the config key naming the file, for the missing-file hint."""
    file = existing_file(path, "data file", path_key)
    table = read_table(file, sep)
    require_columns(table, file, {"sequence": sequence_col, "label": label_col, "split": split_col, "id": id_col})
    frame = pd.DataFrame(
        {
            "sequence": table[sequence_col],
            "label": table[label_col],
            "row": range(2, len(table) + 2),  # 1-based, after the header line
            "source": str(file),
        }
    )
    if split_col is not None:
        frame["split"] = table[split_col].str.strip().str.lower()
    if id_col is not None:
        frame["id"] = table[id_col]
    return frame


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
        return read_labelled_table(
            self.path, "data.source.path", self.sequence_col, self.label_col, self.sep, self.split_col, self.id_col
        )


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
            loaded = read_labelled_table(path, f"data.source.{split}", self.sequence_col, self.label_col, self.sep)
            loaded["split"] = split
            parts.append(loaded)
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
        path = existing_file(self.path, "FASTA file", "data.source.path")
        records = read_fasta(path)
        readers = {"header": self._labels_from_headers, "file": self._labels_from_file}
        if self.label_from not in readers:
            raise DataError(str(path), f"data.source.label_from must be header or file, not '{self.label_from}'")
        records["label"] = readers[self.label_from](path, records)
        return records.drop(columns="description")

    def _labels_from_headers(self, fasta: Path, records: pd.DataFrame) -> list[str]:
        pattern = re.compile(self.header_pattern)
        labels = []
        for header, row in zip(records["description"], records["row"], strict=True):
            match = pattern.search(header)
            if match is None:
                raise DataError(str(fasta), f"header has no label matching /{self.header_pattern}/", row=int(row))
            labels.append(match.group(1))
        return labels

    def _labels_from_file(self, fasta: Path, records: pd.DataFrame) -> pd.Series:
        if self.labels_path is None:
            raise DataError(str(fasta), "label_from=file needs a labels file: add data.source.labels_path=...")
        side = existing_file(self.labels_path, "labels file", "data.source.labels_path")
        table = read_table(side, None)
        require_columns(table, side, {"id": self.labels_id_col, "label": self.labels_label_col})
        dup = table[self.labels_id_col].duplicated()
        if dup.any():
            row = int(dup.to_numpy().nonzero()[0][0]) + 2
            raise DataError(str(side), f"id '{table[self.labels_id_col][row - 2]}' appears twice", row=row)
        mapping = dict(zip(table[self.labels_id_col], table[self.labels_label_col], strict=True))
        missing = ~records["id"].isin(mapping.keys())
        if missing.any():
            first = records[missing].iloc[0]
            raise DataError(str(fasta), f"id '{first['id']}' has no label in {side}", row=int(first["row"]))
        return records["id"].map(mapping)


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
            raise DataError(self.name, "modlamp has no such dataset (data.source.dataset)")
        bunch = loader()
        return pd.DataFrame(
            {
                "sequence": list(bunch.sequences),
                "label": [str(int(v)) for v in bunch.target],
                "row": range(1, len(bunch.sequences) + 1),
                "source": self.name,
            }
        )

"""The shared readers: a file without rows, an empty file, and FASTA/TSV sequence tables, for both kinds of data."""

from __future__ import annotations

from pathlib import Path

import pytest

from protsweep.data.pairs.sources import PairsCsvSource, PairsIdsSource
from protsweep.data.readers import read_sequence_table
from protsweep.data.sources import CsvSource, FastaSource
from protsweep.errors import DataError


@pytest.mark.parametrize("source", [CsvSource, PairsCsvSource], ids=["single", "pairs"])
def test_a_header_line_only_is_no_rows(tmp_path: Path, source: type) -> None:
    path = tmp_path / "h.csv"
    path.write_text("seq_a,seq_b,sequence,label\n")
    with pytest.raises(DataError) as err:
        source(str(path)).load()
    assert str(err.value) == f"{path}: no rows: the file has a header line only"


def test_an_empty_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("")
    with pytest.raises(DataError) as err:
        CsvSource(str(path)).load()
    assert str(err.value) == f"{path}: the file is empty: no header line and no rows"


def test_an_empty_headerless_pairs_file_is_named(tmp_path: Path) -> None:
    pairs, table = tmp_path / "a.tsv", tmp_path / "t.tsv"
    pairs.write_text("")
    table.write_text("x\tACD\n")
    with pytest.raises(DataError, match=r"a\.tsv: the file is empty"):
        PairsIdsSource(str(pairs), str(table), header=False, names=["id_a", "id_b", "label"]).load()


def test_missing_files_name_their_own_key(tmp_path: Path) -> None:
    fasta = tmp_path / "x.fasta"
    fasta.write_text(">p1\nAKK\n")
    with pytest.raises(DataError, match=r"labels file not found \(set its path with data\.source\.labels_path="):
        FastaSource(str(fasta), label_from="file", labels_path=str(tmp_path / "nope.csv")).load()
    pairs = tmp_path / "a.csv"
    pairs.write_text("id_a,id_b,label\nx,y,1\n")
    with pytest.raises(DataError, match=r"sequence table not found \(set its path with data\.source\.sequences_path="):
        PairsIdsSource(str(pairs), str(tmp_path / "nope.tsv")).load()


def test_fasta_and_tsv_sequence_tables_agree(tmp_path: Path) -> None:
    fasta = tmp_path / "s.fasta"
    fasta.write_text(">a first\nACD\nEF\n>b\nKLM\n")
    tsv = tmp_path / "s.tsv"
    tsv.write_text("id\tsequence\na\tACDEF\nb\tKLM\n")
    from_fasta, from_tsv = read_sequence_table(fasta), read_sequence_table(tsv)
    assert from_fasta[["id", "sequence"]].values.tolist() == from_tsv[["id", "sequence"]].values.tolist()
    assert from_fasta["row"].tolist() == [1, 4] and from_tsv["row"].tolist() == [2, 3]
    with pytest.raises(DataError, match="sequences_format must be auto, tsv or fasta, not 'csv'"):
        read_sequence_table(tsv, "csv")

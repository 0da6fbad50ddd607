"""Every validation error names the file and row (and field), and good input is normalised."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.data.dataset import load_split_data, sequence_id
from protsweep.data.dedup import deduplicate
from protsweep.data.sources import CsvSource, FastaSource
from protsweep.data.validate import validate_rows
from protsweep.errors import ConfigError, DataError


def data_cfg(source: dict, **overrides) -> object:
    base = {"name": "t", "source": source, "dedup": "majority", "split_seed": 0, "valid_frac": 0.2,
            "test_frac": 0.2, "limit": None, "alphabet": "ACDEFGHIKLMNPQRSTVWY"}
    return OmegaConf.create({**base, **overrides})


def load_csv(path: Path, **source) -> pd.DataFrame:
    return validate_rows(CsvSource(str(path), **source).load())


def balanced_csv(n: int = 40) -> str:
    residues = "ACDEFGHIKLMNPQRSTVWY"
    lines = ["sequence,label"]
    for i in range(n):
        seq = residues[i % 20] + residues[(i * 7) % 20] + residues[(i * 3) % 20] + "K" * (1 + i % 5) + "W" * (i // 20)
        lines.append(f"{seq},{i % 2}")
    return "\n".join(lines) + "\n"


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv: data file not found"):
        CsvSource(str(tmp_path / "nope.csv")).load()


def test_missing_column_names_it_and_lists_present_ones(csv_file) -> None:
    path = csv_file("seq,label\nAKK,1\n")
    with pytest.raises(DataError) as err:
        CsvSource(str(path)).load()
    assert str(path) in str(err.value)
    assert "missing sequence column 'sequence'" in str(err.value)
    assert "seq, label" in str(err.value)


@pytest.mark.parametrize(("label", "message"), [("2", "label '2' is not 0 or 1"), ("yes", "label 'yes' is not 0 or 1"),
                                                ("-1", "label '-1' is not 0 or 1")])
def test_label_outside_0_1_names_row_and_field(csv_file, label: str, message: str) -> None:
    path = csv_file(f"sequence,label\nAKK,1\nGGW,{label}\n")
    with pytest.raises(DataError) as err:
        load_csv(path)
    assert str(err.value) == f"{path}, row 3, field 'label': {message}"


def test_nan_label_is_an_error(csv_file) -> None:
    path = csv_file("sequence,label\nAKK,1\nGGW,\nWWK,NaN\n")
    with pytest.raises(DataError, match=r"row 3, field 'label': label is missing"):
        load_csv(path)
    path = csv_file("sequence,label\nAKK,1\nWWK,NaN\n", "b.csv")
    with pytest.raises(DataError, match=r"row 3, field 'label': label is missing"):
        load_csv(path)


def test_empty_sequence_is_an_error(csv_file) -> None:
    path = csv_file('sequence,label\nAKK,1\n"  ",0\n')
    with pytest.raises(DataError, match=r"row 3, field 'sequence': sequence is empty"):
        load_csv(path)
    path = csv_file("sequence,label\n,0\n", "b.csv")
    with pytest.raises(DataError, match=r"row 2, field 'sequence': sequence is empty"):
        load_csv(path)


def test_foreign_character_is_named_with_its_position(csv_file) -> None:
    path = csv_file("sequence,label\nAKK,1\nGGWBK,0\n")
    with pytest.raises(DataError) as err:
        load_csv(path)
    assert f"{path}, row 3, field 'sequence': character 'B' at position 4" in str(err.value)


def test_digits_and_stop_codons_are_rejected(csv_file) -> None:
    path = csv_file("sequence,label\nAKK*,1\n")
    with pytest.raises(DataError, match=r"character '\*' at position 4"):
        load_csv(path)


def test_extended_alphabet_accepts_x(csv_file) -> None:
    path = csv_file("sequence,label\nAKXK,1\n")
    rows = validate_rows(CsvSource(str(path)).load(), alphabet="ACDEFGHIKLMNPQRSTVWYX")
    assert rows["sequence"].tolist() == ["AKXK"]


def test_lower_case_is_normalised(csv_file) -> None:
    path = csv_file("sequence,label\n akkw ,1\nGgW,0\n")
    rows = load_csv(path)
    assert rows["sequence"].tolist() == ["AKKW", "GGW"]
    assert rows["label"].tolist() == [1, 0]


def test_bad_split_value_is_an_error(csv_file) -> None:
    path = csv_file("sequence,label,fold\nAKK,1,train\nGGW,0,holdout\n")
    with pytest.raises(DataError, match=r"row 3, field 'split': split 'holdout' is not one of train, valid, test"):
        load_csv(path, split_col="fold")


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    with pytest.raises(DataError, match=r"bin\.csv"):
        CsvSource(str(path)).load()


# ------------------------------------------------------------------ duplicates and conflicts
def raw(rows: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"sequence": [s for s, _ in rows], "label": [lab for _, lab in rows],
                         "row": range(2, len(rows) + 2), "source": "mem.csv"})


DUPES = [("AAA", 1), ("AAA", 1), ("AAA", 0), ("CCC", 0), ("CCC", 1), ("DDD", 0), ("DDD", 0), ("EEE", 1)]


def test_majority_takes_the_majority_and_drops_ties() -> None:
    kept, report = deduplicate(raw(DUPES), "majority")
    assert dict(zip(kept["sequence"], kept["label"], strict=True)) == {"AAA": 1, "DDD": 0, "EEE": 1}
    assert report == {"policy": "majority", "n_rows": 8, "n_unique": 4, "duplicate_rows": 4,
                      "conflicting_sequences": 2, "dropped_ties": 1, "n_kept": 3}


def test_drop_conflicts_drops_every_sequence_labelled_both_ways() -> None:
    kept, report = deduplicate(raw(DUPES), "drop_conflicts")
    assert dict(zip(kept["sequence"], kept["label"], strict=True)) == {"DDD": 0, "EEE": 1}
    assert report["dropped_conflicts"] == 2
    assert report["n_kept"] == 2


def test_error_policy_names_the_rows() -> None:
    with pytest.raises(DataError, match=r"mem\.csv, row 2: sequence repeated with conflicting labels in rows 2, 3, 4"):
        deduplicate(raw(DUPES), "error")


def test_unknown_policy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"data\.dedup"):
        deduplicate(raw(DUPES), "vote")


def test_same_sequence_in_two_given_splits_is_refused(csv_file) -> None:
    path = csv_file("sequence,label,split\nAKK,1,train\nAKK,1,test\nGGW,0,valid\n")
    with pytest.raises(DataError, match=r"the same sequence sits in two splits: row 2 \(train\), row 3 \(test\)"):
        load_split_data(data_cfg({"_target_": "protsweep.data.sources.CsvSource", "path": str(path),
                                  "split_col": "split"}))


def test_dedup_counts_against_independent_computation(csv_file) -> None:
    text = balanced_csv(40)
    lines = text.strip().split("\n")
    text = "\n".join([*lines, *lines[1:11]]) + "\n"  # 10 exact duplicates
    path = csv_file(text)
    data = load_split_data(data_cfg({"_target_": "protsweep.data.sources.CsvSource", "path": str(path)}))
    frame = pd.read_csv(path)
    assert data.report["dedup"]["duplicate_rows"] == len(frame) - frame["sequence"].nunique() == 10
    assert sum(s["n"] for s in data.report["splits"].values()) == frame["sequence"].nunique()


# ------------------------------------------------------------------ FASTA
def test_fasta_labels_from_header(tmp_path: Path) -> None:
    path = tmp_path / "x.fasta"
    path.write_text(">p1 label=1\nAKK\nWW\n>p2 label=0\nggw\n")
    rows = validate_rows(FastaSource(str(path)).load())
    assert rows[["id", "sequence", "label"]].values.tolist() == [["p1", "AKKWW", 1], ["p2", "GGW", 0]]


def test_fasta_header_without_label_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.fasta"
    path.write_text(">p1 label=1\nAKK\n>p2 nolabel\nGGW\n")
    with pytest.raises(DataError, match=r"x\.fasta, row 3: header has no label"):
        FastaSource(str(path)).load()


def test_fasta_labels_from_side_file(tmp_path: Path) -> None:
    fasta = tmp_path / "x.fasta"
    fasta.write_text(">p1\nAKK\n>p2\nGGW\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\np2,0\np1,1\n")
    rows = validate_rows(FastaSource(str(fasta), label_from="file", labels_path=str(labels)).load())
    assert dict(zip(rows["id"], rows["label"], strict=True)) == {"p1": 1, "p2": 0}
    labels.write_text("id,label\np1,1\n")
    with pytest.raises(DataError, match=r"x\.fasta, row 3: id 'p2' has no label"):
        FastaSource(str(fasta), label_from="file", labels_path=str(labels)).load()


def test_bad_source_argument_is_one_config_line(csv_file) -> None:
    path = csv_file(balanced_csv())
    with pytest.raises(ConfigError, match=r"data.source \(protsweep.data.sources.CsvSource\).*sequence_column"):
        load_split_data(data_cfg({"_target_": "protsweep.data.sources.CsvSource", "path": str(path),
                                  "sequence_column": "x"}))


def test_ids_are_sequence_hashes_when_the_file_has_none(csv_file) -> None:
    path = csv_file(balanced_csv())
    data = load_split_data(data_cfg({"_target_": "protsweep.data.sources.CsvSource", "path": str(path)}))
    assert (data.test["id"] == data.test["sequence"].map(sequence_id)).all()

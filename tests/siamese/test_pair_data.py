"""Pair data: formats, label mappings, every validation error, self-pairs, dedup in either order, splits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ValidationError

from protsweep.data.config import PairDataConfig
from protsweep.data.pairs.dataset import all_pair_sequences, load_pair_data, pair_id
from protsweep.data.pairs.split import cold_protein_fractions
from protsweep.errors import ConfigError, DataError

from .pairgen import pairs, write_pairs_csv, write_pairs_ids

CSV_TARGET = "protsweep.data.pairs.sources.PairsCsvSource"
IDS_TARGET = "protsweep.data.pairs.sources.PairsIdsSource"
A1, A2, A3, A4 = "ACDEFGHIK", "LMNPQRSTVW", "KKKLLLAAA", "GGGSSSTTT"


def data_cfg(source: dict[str, Any], **options: Any) -> DictConfig:
    return OmegaConf.merge(OmegaConf.structured(PairDataConfig), {"name": "test", "source": source, **options})


def csv_source(path: Path, **columns: Any) -> dict[str, Any]:
    return {"_target_": CSV_TARGET, "path": str(path), **columns}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def balanced_rows(n: int = 40) -> list[tuple[str, str, int]]:
    """n distinct pairs over distinct generated peptides, half positive."""
    frame = pairs(n_proteins=30, n_pairs=n, seed=3)
    return list(zip(frame["seq_a"], frame["seq_b"], [i % 2 for i in range(n)], strict=True))


def csv_text(rows: list[tuple[Any, ...]], header: str = "seq_a,seq_b,label") -> str:
    return header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)


# ---------------------------------------------------------------- formats
def test_csv_with_two_sequence_columns_derives_stable_ids(tmp_path: Path) -> None:
    path = write_pairs_csv(tmp_path / "p.csv", n_proteins=30, n_pairs=80)
    data = load_pair_data(data_cfg(csv_source(path), split_seed=1))
    frame = pd.concat([data.train, data.valid, data.test])
    assert len(frame) == 80 and frame["id"].is_unique
    assert all(i == pair_id(a, b) for i, a, b in zip(frame["id"], frame["id_a"], frame["id_b"], strict=True))
    assert frame["id_a"].str.match(r"^s[0-9a-f]{12}$").all()
    assert data.report["labels"]["mapping"] == "binary" and data.report["n_proteins"] == 30
    again = load_pair_data(data_cfg(csv_source(path), split_seed=1))
    assert again.test["id"].tolist() == data.test["id"].tolist()


def test_csv_with_id_columns(tmp_path: Path) -> None:
    path = write_pairs_csv(tmp_path / "p.csv", n_proteins=30, n_pairs=80, ids=True)
    data = load_pair_data(data_cfg(csv_source(path, id_a_col="id_a", id_b_col="id_b")))
    assert data.train["id_a"].str.startswith("P").all()


@pytest.mark.parametrize("fasta", [False, True])
def test_id_pairs_with_a_sequence_table(tmp_path: Path, fasta: bool) -> None:
    pairs_path, seq_path = write_pairs_ids(tmp_path, n_proteins=30, n_pairs=80, fasta=fasta)
    source = {
        "_target_": IDS_TARGET,
        "pairs_path": str(pairs_path),
        "sequences_path": str(seq_path),
        "header": False,
        "names": ["id_a", "id_b", "label"],
    }
    data = load_pair_data(data_cfg(source))
    expected = pairs(n_proteins=30, n_pairs=80)
    got = pd.concat([data.train, data.valid, data.test]).sort_values("id")
    assert len(got) == 80
    assert set(got["seq_a"] + got["seq_b"]) == set(expected["seq_a"] + expected["seq_b"])
    assert len(all_pair_sequences(data_cfg(source))) == 30


# ---------------------------------------------------------------- labels
def score_csv(tmp_path: Path) -> Path:
    rows = [(a, b, f"{-10 + i * 0.5:.1f}") for i, (a, b, _) in enumerate(balanced_rows(40))]
    return write(tmp_path / "scores.csv", csv_text(rows, "seq_a,seq_b,score"))


def test_threshold_mapping_below_is_recorded(tmp_path: Path) -> None:
    cfg = data_cfg(
        csv_source(score_csv(tmp_path), label_col="score"),
        labels={"mapping": "threshold", "threshold": -5.25, "positive": "below"},
    )
    data = load_pair_data(cfg)
    labels = data.report["labels"]
    assert labels["mapping"] == "threshold" and labels["cut"] == -5.25 and labels["positive"] == "below"
    assert labels["rule"] == "label 1 if score <= -5.25"
    assert labels["n_pos"] == 10 and labels["n_neg"] == 30  # -10.0 .. -5.5


def test_quantile_mapping_above(tmp_path: Path) -> None:
    cfg = data_cfg(
        csv_source(score_csv(tmp_path), label_col="score"),
        labels={"mapping": "quantile", "quantile": 0.75, "positive": "above"},
    )
    labels = load_pair_data(cfg).report["labels"]
    assert labels["quantile"] == 0.75 and labels["n_pos"] == 10
    assert labels["cut"] == pytest.approx(pd.Series([-10 + i * 0.5 for i in range(40)]).quantile(0.75))


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"mapping": "threshold"}, "needs data.labels.threshold"),
        ({"mapping": "quantile", "quantile": 1.5}, r"quantile in \(0, 1\)"),
    ],
)
def test_label_mapping_config_errors(tmp_path: Path, labels: dict, message: str) -> None:
    cfg = data_cfg(csv_source(score_csv(tmp_path), label_col="score"), labels=labels)
    with pytest.raises(ConfigError, match=message):
        load_pair_data(cfg)


def test_misspelled_choice_fails_at_composition() -> None:
    with pytest.raises(ValidationError, match="expected one of"):
        data_cfg({}, self_pairs="sometimes")


# ---------------------------------------------------------------- validation errors, one by one
def _error(tmp_path: Path, text: str, **source: Any) -> str:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError) as info:
        load_pair_data(data_cfg(csv_source(path, **source)))
    return str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="pairs file not found"):
        load_pair_data(data_cfg(csv_source(tmp_path / "nope.csv")))


def test_missing_column(tmp_path: Path) -> None:
    assert "missing seq_b column 'seq_b'" in _error(tmp_path, "seq_a,other,label\nAC,AC,1\n")


def test_empty_sequence(tmp_path: Path) -> None:
    message = _error(tmp_path, csv_text([(A1, A2, 1), (A3, "", 0)]))
    assert "row 3, field 'seq_b': sequence is empty" in message


def test_bad_residue(tmp_path: Path) -> None:
    message = _error(tmp_path, csv_text([(A1, "AC1D", 1)]))
    assert "row 2, field 'seq_b'" in message and "'1' at position 3" in message


def test_label_not_binary(tmp_path: Path) -> None:
    assert "row 2, field 'label': label '2' is not 0 or 1" in _error(tmp_path, csv_text([(A1, A2, 2)]))


def test_label_missing(tmp_path: Path) -> None:
    assert "row 2, field 'label': label is missing" in _error(tmp_path, csv_text([(A1, A2, "")]))


def test_score_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", csv_text([(A1, A2, "-7.1"), (A3, A4, "strong")], "seq_a,seq_b,score"))
    cfg = data_cfg(csv_source(path, label_col="score"), labels={"mapping": "threshold", "threshold": -5})
    with pytest.raises(DataError, match=r"row 3, field 'score': score 'strong' is not a number"):
        load_pair_data(cfg)


def test_only_one_id_column(tmp_path: Path) -> None:
    message = _error(tmp_path, "ida,seq_a,seq_b,label\nx,AC,AC,1\n", id_a_col="ida")
    assert "give both id columns" in message


def test_empty_id(tmp_path: Path) -> None:
    text = "ida,idb,seq_a,seq_b,label\nx,y,AC,DE,1\n,y,AC,DE,0\n"
    assert "row 3, field 'ida': id is empty" in _error(tmp_path, text, id_a_col="ida", id_b_col="idb")


def test_one_id_two_sequences_in_pairs_file(tmp_path: Path) -> None:
    text = f"ida,idb,seq_a,seq_b,label\nx,y,{A1},{A2},1\nx,z,{A3},{A4},0\n"
    message = _error(tmp_path, text, id_a_col="ida", id_b_col="idb")
    assert "id 'x' names two different sequences (rows 2 and 3)" in message


def _ids_error(tmp_path: Path, actions: str, table: str, suffix: str = ".tsv") -> str:
    pairs_path = write(tmp_path / "actions.tsv", actions)
    seq_path = write(tmp_path / f"table{suffix}", table)
    source = {
        "_target_": IDS_TARGET,
        "pairs_path": str(pairs_path),
        "sequences_path": str(seq_path),
        "header": False,
        "names": ["id_a", "id_b", "label"],
    }
    with pytest.raises(DataError) as info:
        load_pair_data(data_cfg(source))
    return str(info.value)


def test_unknown_id(tmp_path: Path) -> None:
    message = _ids_error(tmp_path, "x\ty\t1\nx\tq\t0\n", f"x\t{A1}\ny\t{A2}\n")
    assert "actions.tsv, row 2, field 'id_b': unknown id 'q': not in" in message and "table.tsv" in message


def test_id_with_two_sequences_in_table(tmp_path: Path) -> None:
    message = _ids_error(tmp_path, "x\ty\t1\n", f"x\t{A1}\ny\t{A2}\nx\t{A3}\n")
    assert "table.tsv, row 3: id 'x' has two different sequences (rows 1 and 3)" in message


def test_bad_residue_in_sequence_table(tmp_path: Path) -> None:
    message = _ids_error(tmp_path, "x\ty\t1\n", f"x\t{A1}\ny\tAC*D\n")
    assert "table.tsv, row 2, field 'sequence'" in message and "'*'" in message


def test_empty_fasta(tmp_path: Path) -> None:
    assert "no FASTA records" in _ids_error(tmp_path, "x\ty\t1\n", "not fasta\n", suffix=".fasta")


def test_headerless_pairs_need_names(tmp_path: Path) -> None:
    pairs_path = write(tmp_path / "a.tsv", "x\ty\t1\n")
    seq_path = write(tmp_path / "t.tsv", f"x\t{A1}\ny\t{A2}\n")
    source = {
        "_target_": IDS_TARGET,
        "pairs_path": str(pairs_path),
        "sequences_path": str(seq_path),
        "header": False,
    }
    with pytest.raises(DataError, match="header=false needs the column names"):
        load_pair_data(data_cfg(source))


# ---------------------------------------------------------------- self-pairs and duplicates
def with_extra(tmp_path: Path, extra: list[tuple[str, str, int]]) -> Path:
    return write(tmp_path / "pairs.csv", csv_text(balanced_rows(40) + extra))


def test_self_pairs_error_drop_keep(tmp_path: Path) -> None:
    path = with_extra(tmp_path, [(A1, A1, 1)])
    with pytest.raises(DataError, match=r"row 42: self-pair .* data.self_pairs=drop or keep"):
        load_pair_data(data_cfg(csv_source(path), self_pairs="error"))
    dropped = load_pair_data(data_cfg(csv_source(path), self_pairs="drop"))
    assert dropped.report["self_pairs"] == {"policy": "drop", "found": 1, "dropped": 1}
    assert dropped.report["n_pairs"] == 40
    kept = load_pair_data(data_cfg(csv_source(path), self_pairs="keep"))
    assert kept.report["n_pairs"] == 41


def test_duplicate_in_reverse_order(tmp_path: Path) -> None:
    a, b, label = balanced_rows(40)[0]
    path = with_extra(tmp_path, [(b, a, label)])
    with pytest.raises(
        DataError, match=r"row 2: pair .* repeated \(in either order\) in rows 2, 42 \(data.dedup=error\)"
    ):
        load_pair_data(data_cfg(csv_source(path), dedup="error"))
    data = load_pair_data(data_cfg(csv_source(path)))
    assert data.report["dedup"]["duplicate_rows"] == 1 and data.report["dedup"]["pairs_seen_in_both_orders"] == 1
    assert data.report["n_pairs"] == 40


def test_conflicting_duplicates(tmp_path: Path) -> None:
    a, b, label = balanced_rows(40)[0]
    path = with_extra(tmp_path, [(b, a, 1 - label), (a, b, label)])
    with pytest.raises(DataError, match="repeated with conflicting labels"):
        load_pair_data(data_cfg(csv_source(path), dedup="error"))
    majority = load_pair_data(data_cfg(csv_source(path), dedup="majority"))
    assert majority.report["dedup"]["conflicting_pairs"] == 1 and majority.report["n_pairs"] == 40
    dropped = load_pair_data(data_cfg(csv_source(path), dedup="drop_conflicts"))
    assert dropped.report["dedup"]["dropped_conflicts"] == 1 and dropped.report["n_pairs"] == 39


def test_a_split_with_one_class_is_an_error(tmp_path: Path) -> None:
    rows = [(a, b, 1) for a, b, _ in balanced_rows(40)]
    path = write(tmp_path / "pairs.csv", csv_text(rows))
    with pytest.raises(DataError, match="has only one class"):
        load_pair_data(data_cfg(csv_source(path)))


# ---------------------------------------------------------------- splits
def _proteins(frame: pd.DataFrame) -> set[str]:
    return set(frame["seq_a"]) | set(frame["seq_b"])


def test_random_split_by_unordered_pair(tmp_path: Path) -> None:
    path = write_pairs_csv(tmp_path / "p.csv", n_proteins=40, n_pairs=200)
    data = load_pair_data(data_cfg(csv_source(path)))
    keys = [
        frozenset(p)
        for name in ("train", "valid", "test")
        for p in zip(data.split(name)["seq_a"], data.split(name)["seq_b"], strict=True)
    ]
    assert len(keys) == len(set(keys)) == 200
    assert data.report["split"] == {"method": "random", "dropped_pairs": 0}
    assert {name: s["n"] for name, s in data.report["splits"].items()} == {
        "train": 140,
        "valid": 20,
        "test": 40,
    }


@pytest.mark.parametrize("split_seed", [0, 1, 2])
def test_cold_split_shares_no_protein(tmp_path: Path, split_seed: int) -> None:
    path = write_pairs_csv(tmp_path / "p.csv", n_proteins=60, n_pairs=600, seed=split_seed)
    data = load_pair_data(data_cfg(csv_source(path), split="cold", split_seed=split_seed))
    train, valid, test = (_proteins(data.split(n)) for n in ("train", "valid", "test"))
    assert not train & valid and not train & test and not valid & test
    report = data.report["split"]
    kept = sum(s["n"] for s in data.report["splits"].values())
    assert report["method"] == "cold" and report["kept_pairs"] == kept
    assert report["dropped_pairs"] == 600 - kept > 0
    assert sum(report["proteins"].values()) == 60


def test_cold_protein_shares_aim_at_the_pair_fractions() -> None:
    shares = cold_protein_fractions(0.1, 0.2)
    kept = {k: v**2 for k, v in shares.items()}
    total = sum(kept.values())
    assert kept["test"] / total == pytest.approx(0.2) and kept["valid"] / total == pytest.approx(0.1)

"""Prediction-time inputs: the non-standard residue policy (map / skip / refuse) and ``--id-col``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from protsweep.errors import DataError
from protsweep.predict_cli import main as predict_main
from protsweep.saved.inputs import InputColumns, read_inputs
from protsweep.saved.residues import ResiduePolicy
from tests.conftest import TINY_RUN, run_cli

AAS = "ACDEFGHIKLMNPQRSTVWY"


def test_map_replaces_u_o_b_z_and_skips_other_residues(tmp_path: Path) -> None:
    fasta = tmp_path / "new.fasta"
    fasta.write_text(">a\nACUK\n>b\nACXK\n>c\nbzok\n>d\nACDK\n")
    policy = ResiduePolicy("map")
    frame = read_inputs(fasta, "single", AAS, policy=policy)
    assert frame["id"].tolist() == ["a", "c", "d"]
    assert frame["sequence"].tolist() == ["ACCK", "NQKK", "ACDK"]
    assert policy.mapped == 2 and policy.skipped == ["row 3"]
    note = policy.note(str(fasta))
    assert "2 record(s) with U/O/B/Z mapped" in note and "1 record(s) skipped" in note and "row 3" in note


def test_skip_drops_every_nonstandard_record_with_its_label(tmp_path: Path) -> None:
    table = tmp_path / "new.csv"
    table.write_text("name,sequence,label\np1,ACDK,1\np2,ACUK,0\np3,KLMN,0\n")
    policy = ResiduePolicy("skip")
    frame = read_inputs(table, "single", AAS, InputColumns(id="name"), policy)
    assert frame.to_dict("list") == {"id": ["p1", "p3"], "sequence": ["ACDK", "KLMN"], "label": [1, 0]}
    assert policy.skipped == ["row 3"] and policy.mapped == 0


def test_refuse_and_empty_sequences_stay_one_line_errors(tmp_path: Path) -> None:
    table = tmp_path / "new.csv"
    table.write_text("sequence\nACXK\n")
    with pytest.raises(DataError, match=r"row 2, field 'sequence': character 'X'"):
        read_inputs(table, "single", AAS, policy=ResiduePolicy("refuse"))
    table.write_text("seq_a,seq_b\nACD,\n")
    with pytest.raises(DataError, match="sequence is empty"):
        read_inputs(table, "pairs", AAS, policy=ResiduePolicy("map"))


def test_pairs_skip_the_pair_of_a_skipped_sequence(tmp_path: Path) -> None:
    table = tmp_path / "pairs.csv"
    table.write_text("seq_a,seq_b,label\nACD,KLX,1\nACU,KLM,0\n")
    frame = read_inputs(table, "pairs", AAS, policy=ResiduePolicy("map"))
    assert frame[["seq_a", "seq_b", "label"]].values.tolist() == [["ACC", "KLM", 0]]


@pytest.mark.slow
def test_predict_scores_a_file_with_an_x_record_by_its_id_column(tmp_path: Path, capsys) -> None:
    out = run_cli([*TINY_RUN, "data.limit=100", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    table = tmp_path / "new.csv"
    table.write_text("accession,sequence\nP1,GLFDIVKKVVGALGSL\nP2,GLFDXVKKVVGALGSL\nP3,MKTAYIAKQRQISFVK\n")
    scores = tmp_path / "scores.csv"
    assert predict_main([str(tmp_path / "run"), "--input", str(table), "--out", str(scores),
                         "--id-col", "accession"]) == 0
    frame = pd.read_csv(scores)
    assert frame["id"].tolist() == ["P1", "P3"]
    assert "1 record(s) skipped" in capsys.readouterr().err
    assert predict_main([str(tmp_path / "run"), "--input", str(table), "--out", str(tmp_path / "no.csv"),
                         "--nonstandard", "refuse"]) == 2
    assert not (tmp_path / "no.csv").exists()

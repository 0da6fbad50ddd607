"""``protsweep-predict --out`` never overwrites (issue 21, point 4): an existing file needs ``--force``, the
input file and a directory are refused even with it, a run folder's files need ``--force``; each refusal is
one line before any model is built, and the refused file is left byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.saved.test_card_payloads import make_run, one_line_error, predict


@pytest.fixture
def run(tmp_path: Path) -> Path:
    (tmp_path / "in.fasta").write_text(">a\nACDEK\n")
    return make_run(tmp_path)


def test_an_existing_out_is_refused_without_force_and_left_as_it_was(run: Path, tmp_path: Path) -> None:
    (tmp_path / "scores.csv").write_text("precious\n")
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", "scores.csv"], tmp_path))
    assert line == ("protsweep-predict: error: --out scores.csv: already exists; name another file, or add --force "
                    "to replace it")
    assert (tmp_path / "scores.csv").read_text() == "precious\n"


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_the_input_file_is_never_the_output(run: Path, tmp_path: Path, force: list[str]) -> None:
    before = (tmp_path / "in.fasta").read_bytes()
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", "./in.fasta", *force], tmp_path))
    assert "--out in.fasta: is the --input file" in line
    assert (tmp_path / "in.fasta").read_bytes() == before


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_a_directory_is_refused(run: Path, tmp_path: Path, force: list[str]) -> None:
    (tmp_path / "folder").mkdir()
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", "folder", *force], tmp_path))
    assert line == "protsweep-predict: error: --out folder: is a directory; name the CSV file to write"


@pytest.mark.parametrize("name", ["predictions.csv", "new.csv", "model/extra.csv"])
def test_a_run_folders_files_are_refused_without_force(run: Path, tmp_path: Path, name: str) -> None:
    target = run / name
    (run / "predictions.csv").write_text("split,id\n")
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", str(target)], tmp_path))
    assert "already exists" in line or f"lies in the run folder {run}" in line
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_a_missing_out_folder_is_one_line(run: Path, tmp_path: Path) -> None:
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", "nowhere/scores.csv"], tmp_path))
    assert line == "protsweep-predict: error: --out nowhere/scores.csv: the folder nowhere does not exist"

"""Bad data input through the real command: one line naming the file or key, a non-zero exit, no traceback,
and all of it before TensorFlow or torch is imported (stand-ins that refuse to import are put first on the path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Every argument list gets these: the smallest model of each family, so nothing else could fail first.
PROTEINBERT = ["model=proteinbert_tiny"]
SIAMESE = ["model=siamese", "embedder=esmc_tiny"]

#: case -> (arguments, the start of the one error line); ``{tmp}`` is the test's folder
CASES: dict[str, tuple[list[str], str]] = {
    "csv-header-only": (
        [*PROTEINBERT, "data=csv", "data.source.path={tmp}/header_only.csv"],
        "{tmp}/header_only.csv: no rows: the file has a header line only",
    ),
    "pairs-header-only": (
        [*SIAMESE, "data=pairs_csv", "data.source.path={tmp}/header_only.csv"],
        "{tmp}/header_only.csv: no rows: the file has a header line only",
    ),
    "test-frac-above-1": ([*PROTEINBERT, "data.test_frac=1.5"], "data.test_frac=1.5 is out of range: it must be > 0"),
    "valid-frac-0": ([*PROTEINBERT, "data.valid_frac=0"], "data.valid_frac=0.0 is out of range: it must be > 0"),
    "pairs-fractions-sum-1": (
        [*SIAMESE, "data=pairs_csv", "data.source.path={tmp}/pairs.csv", "data.valid_frac=0.5", "data.test_frac=0.5"],
        "data.valid_frac + data.test_frac = 0.5 + 0.5 leaves nothing to train on",
    ),
    "csv-without-path": (
        [*PROTEINBERT, "data=csv"],
        "data=csv needs data.source.path: add data.source.path=... to the command line",
    ),
    "pairs-ids-without-sequences": (
        [*SIAMESE, "data=pairs_ids", "data.source.pairs_path={tmp}/pairs.csv"],
        "data=pairs_ids needs data.source.sequences_path: add data.source.sequences_path=...",
    ),
    "fasta-labels-path-missing": (
        [*PROTEINBERT, "data=fasta", "data.source.path={tmp}/x.fasta", "data.source.label_from=file"],
        "{tmp}/x.fasta: label_from=file needs a labels file: add data.source.labels_path=...",
    ),
    "fasta-labels-file-not-found": (
        [*PROTEINBERT, "data=fasta", "data.source.path={tmp}/x.fasta", "data.source.label_from=file",
         "data.source.labels_path={tmp}/nope.csv"],
        "{tmp}/nope.csv: labels file not found (set its path with data.source.labels_path=...)",
    ),
}


@pytest.fixture
def no_frameworks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tensorflow`` and ``torch`` packages that raise when imported, first on the child's path."""
    shadow = tmp_path / "shadow"
    for name in ("tensorflow", "torch"):
        (shadow / name).mkdir(parents=True)
        (shadow / name / "__init__.py").write_text(f"raise ImportError('{name} was imported')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")]))


@pytest.mark.parametrize("case", CASES)
def test_bad_data_input_is_one_line_before_any_framework(cli, tmp_path: Path, no_frameworks, case: str) -> None:
    args, line = CASES[case]
    (tmp_path / "header_only.csv").write_text("sequence,label\n")
    (tmp_path / "pairs.csv").write_text("seq_a,seq_b,label\nACDE,FGHI,1\nKLMN,PQRS,0\n")
    (tmp_path / "x.fasta").write_text(">p1\nAKK\n>p2\nGGW\n")
    out = cli([a.format(tmp=tmp_path) for a in args], cwd=tmp_path, timeout=300)
    errors = [row for row in out.stderr.splitlines() if row.startswith("protsweep: error")]
    assert out.returncode != 0
    assert len(errors) == 1, out.stderr[-2000:]
    assert errors[0].startswith(f"protsweep: error: {line.format(tmp=tmp_path)}"), errors[0]
    assert "Traceback" not in out.stderr + out.stdout
    assert "was imported" not in out.stderr + out.stdout


@pytest.mark.parametrize("family", [[], ["model=siamese"]], ids=["single", "pairs"])
def test_a_closed_data_choice_fails_at_composition(cli, tmp_path: Path, family: list[str]) -> None:
    out = cli([*family, "data.dedup=whatever", "--cfg", "job"], cwd=tmp_path, timeout=300)
    assert out.returncode != 0
    assert "Invalid value 'whatever', expected one of [majority, drop_conflicts, error]" in out.stderr
    assert "full_key: data.dedup" in out.stderr
    assert "Traceback" not in out.stderr
    assert "data:" not in out.stdout  # nothing was composed, let alone run
    assert not (tmp_path / "outputs").exists()

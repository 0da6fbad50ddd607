"""Which runs ``protsweep-predict`` ensembles: the seeds of the one variant ``--variant`` names, chosen as the
aggregator chooses them; and its command-line errors (one line, exit status 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protsweep.aggregate.saved_runs import select_runs
from protsweep.errors import ProtsweepError
from protsweep.predict_cli import main
from tests.aggregate.runrecords import BASE_CONFIG, HEADS, write_run

LABELS = np.r_[np.ones(10, int), np.zeros(10, int)]


def config(head: str) -> dict:
    return {**BASE_CONFIG, "head": HEADS[head]}


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    root = tmp_path / "sweep"
    probs = np.linspace(0.1, 0.9, LABELS.size)
    for head in ("default", "two_layer"):
        for seed in (0, 1, 2):
            write_run(root, [f"head={head}", f"seed={seed}"], seed=seed, test_probs=probs, test_labels=LABELS,
                      config=config(head))
    write_run(root, ["head=two_layer", "seed=3"], seed=3, test_probs=None, test_labels=LABELS, status="failed",
              error="boom", config=config("two_layer"))
    return root


def test_a_variant_gives_its_completed_seeds(sweep: Path) -> None:
    runs = select_runs(sweep, ["head=two_layer"])
    assert runs == {s: (sweep / f"head=two_layer,seed={s}").resolve() for s in (0, 1, 2)}


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ([], "holds 2 variants"),
        (["head=wide"], "matches no variant"),
        (["head"], "expected key=value"),
    ],
)
def test_a_selector_that_names_no_single_variant_is_an_error(sweep: Path, variant: list[str], message: str) -> None:
    with pytest.raises(ProtsweepError, match=message):
        select_runs(sweep, variant)


def test_a_single_run_takes_no_variant(sweep: Path) -> None:
    run = sweep / "head=default,seed=1"
    assert select_runs(run) == {1: run}
    with pytest.raises(ProtsweepError, match="this is one run"):
        select_runs(run, ["head=default"])


def test_cli_errors_are_one_line_with_status_2(sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    fasta = tmp_path / "in.fasta"
    fasta.write_text(">a\nACDK\n")
    cases = [
        ([str(tmp_path / "nowhere"), "--input", str(fasta)], "no such directory"),
        ([str(sweep / "head=default,seed=1"), "--input", str(fasta)], "no saved model"),
        ([str(sweep / "head=two_layer,seed=3"), "--input", str(fasta)], "not completed"),
    ]
    for args, message in cases:
        assert main([*args, "--out", str(tmp_path / "out.csv")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("protsweep-predict: error: ") and message in err[0], err
    assert not (tmp_path / "out.csv").exists()

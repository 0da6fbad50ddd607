"""Saved ProteinBERT models end to end: a tiny run predicted again by ``protsweep-predict`` from FASTA (equal to
its predictions.csv, without importing torch), its card and summary, and a warm start from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protsweep.saved.card import card_path, model_dir, sha256_file
from tests.conftest import TINY_RUN, run_cli

pytestmark = pytest.mark.slow
ARGS = [*TINY_RUN, "data.limit=100", "calibration=platt"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("proteinbert_saved")
    out = run_cli([*ARGS, f"hydra.run.dir={root / 'run'}"], cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    return root / "run"


def test_prediction_from_fasta_equals_predictions_csv_without_torch(run: Path, tmp_path: Path) -> None:
    test = pd.read_csv(run / "predictions.csv", dtype={"id": str}).query("split == 'test'")
    fasta = tmp_path / "test.fasta"
    fasta.write_text("".join(f">{i} label={y}\n{s.lower()}\n" for i, s, y in test[["id", "sequence", "label"]].values))
    code = ("import sys; from protsweep.predict_cli import main; rc = main(sys.argv[1:]); "
            "assert 'torch' not in sys.modules, 'torch was imported'; sys.exit(rc)")
    out_csv = tmp_path / "scores.csv"
    done = subprocess.run([sys.executable, "-c", code, str(run), "--input", str(fasta), "--out", str(out_csv),
                           "--n-boot", "200"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={**os.environ})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seed 0: AUC" in done.stdout
    scores = pd.read_csv(out_csv, dtype={"id": str})
    assert scores["id"].tolist() == test["id"].tolist() and scores["sequence"].tolist() == test["sequence"].tolist()
    np.testing.assert_array_equal(scores["prob_raw"], test["prob_raw"])
    np.testing.assert_array_equal(scores["prob"], test["prob"])
    np.testing.assert_array_equal(scores["prob_seed0"], test["prob"])


def test_card_summary_and_curves(run: Path) -> None:
    card = json.loads(card_path(run).read_text())
    info = json.loads((run / "run.json").read_text())
    assert card["family_settings"]["seq_len"] == info["data"]["seq_len"]
    assert card["family_settings"]["padding"] == info["data"]["padding"] == "bucket"
    assert card["calibration"] == json.loads((run / "metrics.json").read_text())["calibration"]
    assert info["saved_model"]["bytes"] == (model_dir(run) / "model.safetensors").stat().st_size
    summary = (run / "model_summary.txt").read_text()
    # TINY_RUN trains only the frozen stage: the backbone ends frozen, the head trainable
    assert "head-output (Dense)" in summary and "Trainable params" in summary
    backbone = next(line for line in summary.splitlines() if line.strip().startswith("backbone:"))
    assert backbone.strip().endswith("(0 trainable, " + backbone.split(": ")[1].split(" ")[0] + " frozen)")
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_warm_start_begins_at_the_parents_final_weights(run: Path, tmp_path: Path, cli: Callable) -> None:
    child = tmp_path / "child"
    # lr 0: the child never moves, so its predictions are the parent's iff it started from the parent's weights
    out = cli([*ARGS, f"trainer.init_from='{run}'", "trainer.lr_frozen=0", "save_model=false",
               f"hydra.run.dir={child}"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    info = json.loads((child / "run.json").read_text())
    assert info["parent"] == {"run_dir": str(run.resolve()), "weights_sha256": sha256_file(
        model_dir(run) / "model.safetensors")}
    assert info["saved_model"] is None and not model_dir(child).exists()
    mine = pd.read_csv(child / "predictions.csv", dtype={"id": str})
    theirs = pd.read_csv(run / "predictions.csv", dtype={"id": str})
    np.testing.assert_array_equal(mine["prob_raw"], theirs["prob_raw"])

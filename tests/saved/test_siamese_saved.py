"""Saved Siamese models end to end: two tiny seeds in one sweep, predicted again by ``protsweep-predict``
(per seed equal to predictions.csv, the ensemble equal to the seeds' mean and to the aggregator's), the card,
a damaged weights file, and warm starts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protsweep.aggregate import aggregate
from protsweep.aggregate.metrics import auc_auprc
from protsweep.saved.card import card_path, model_dir, sha256_file
from tests.conftest import run_cli
from tests.siamese.conftest import TINY
from tests.siamese.pairgen import write_pairs_csv

pytestmark = pytest.mark.slow
SEEDS = (0, 1)


def base_args(root: Path) -> list[str]:
    pairs = root / "pairs.csv"
    if not pairs.exists():
        write_pairs_csv(pairs, n_proteins=40, n_pairs=160, seed=0)
    return ["model=siamese", "data=pairs_csv", f"data.source.path={pairs}", f"paths.cache_dir={root / 'cache'}",
            *TINY, "calibration=platt"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("siamese_saved")
    out = run_cli(["-m", *base_args(root), f"seed={','.join(map(str, SEEDS))}", f"hydra.sweep.dir={root / 'sweep'}"],
                  cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    return root / "sweep"


def run_of(sweep: Path, seed: int) -> Path:
    """The job directory of ``seed`` (job folders are named after every override)."""
    found = [p.parent for p in sweep.glob("*/run.json") if json.loads(p.read_text())["seed"] == seed]
    assert len(found) == 1, found
    return found[0]


def split_pairs(sweep: Path) -> Path:
    """The test split of the runs (all seeds share it), as a pair table with labels."""
    test = pd.read_csv(run_of(sweep, 0) / "predictions.csv", dtype={"id": str}).query("split == 'test'")
    seqs = test["sequence"].str.split(":", expand=True)
    path = sweep.parent / "test_pairs.csv"
    test.assign(seq_a=seqs[0], seq_b=seqs[1])[["id_a", "id_b", "seq_a", "seq_b", "label"]].to_csv(path, index=False)
    return path


def predict_without_tensorflow(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    code = ("import sys; from protsweep.predict_cli import main; rc = main(sys.argv[1:]); "
            "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'; sys.exit(rc)")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "USE_TF": "0"})


def test_prediction_equals_predictions_csv_per_seed_and_the_ensemble_is_their_mean(sweep: Path) -> None:
    pairs = split_pairs(sweep)
    out_csv = sweep.parent / "scores.csv"
    done = predict_without_tensorflow([str(sweep), "--input", str(pairs), "--out", str(out_csv), "--n-boot", "200"],
                                      sweep.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seed 0: AUC" in done.stdout and "ensemble of 2: AUC" in done.stdout
    scores = pd.read_csv(out_csv, dtype={"id": str})
    for seed in SEEDS:
        own = pd.read_csv(run_of(sweep, seed) / "predictions.csv", dtype={"id": str}).query("split == 'test'")
        assert scores["id"].tolist() == own["id"].tolist()
        np.testing.assert_array_equal(scores[f"prob_raw_seed{seed}"], own["prob_raw"])
        np.testing.assert_array_equal(scores[f"prob_seed{seed}"], own["prob"])
    np.testing.assert_allclose(scores["prob_raw"], (scores["prob_raw_seed0"] + scores["prob_raw_seed1"]) / 2)
    np.testing.assert_allclose(scores["prob"], (scores["prob_seed0"] + scores["prob_seed1"]) / 2)
    # the aggregator's ensemble of the same seeds has the same AUC/AUPRC
    summary = aggregate([sweep], n_boot=50).summary.iloc[0]
    auc, auprc = auc_auprc(scores["prob_raw"], scores["label"])
    assert summary["ens_k"] == 2
    assert summary["ens_auc"] == pytest.approx(auc, abs=1e-12)
    assert summary["ens_auprc"] == pytest.approx(auprc, abs=1e-12)


def test_the_card_rebuilds_without_data_and_run_json_records_the_size(sweep: Path) -> None:
    run = run_of(sweep, 0)
    card = json.loads(card_path(run).read_text())
    info = json.loads((run / "run.json").read_text())
    weights = model_dir(run) / "model.safetensors"
    assert card["weights"]["sha256"] == sha256_file(weights) == info["saved_model"]["sha256"]
    assert info["saved_model"]["bytes"] == weights.stat().st_size
    assert card["calibration"] == json.loads((run / "metrics.json").read_text())["calibration"]
    assert card["family_settings"]["embedder"]["key"] == info["embedder"]["key"]
    assert card["config"]["model"]["encoder"]["d_model"] == 16
    summary = (run / "model_summary.txt").read_text()
    total = info["network"]["parameters"]
    assert f"total parameters: {total:,} ({total:,} trainable, 0 frozen)" in summary
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_damaged_weights_file_is_one_line_naming_it(sweep: Path, tmp_path: Path) -> None:
    run = tmp_path / "copy"
    shutil.copytree(run_of(sweep, 1), run)
    weights = model_dir(run) / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    out = run_cli([str(run), "--input", str(split_pairs(sweep)), "--out", str(tmp_path / "x.csv")], cwd=tmp_path,
                  module="protsweep.predict_cli")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and str(weights) in lines[0] and "checksum mismatch" in lines[0]
    assert not (tmp_path / "x.csv").exists()


def test_warm_start_begins_at_the_parents_final_weights(sweep: Path, tmp_path: Path, cli: Callable) -> None:
    parent = run_of(sweep, 0)
    child = tmp_path / "child"
    # lr 0: the child never moves, so its predictions are the parent's iff it started from the parent's weights
    out = cli([*base_args(sweep.parent), f"trainer.init_from='{parent}'", "trainer.lr=0", "trainer.epochs=1",
               "save_model=false", f"hydra.run.dir={child}"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    info = json.loads((child / "run.json").read_text())
    assert info["parent"] == {"run_dir": str(parent.resolve()), "weights_sha256": sha256_file(
        model_dir(parent) / "model.safetensors")}
    assert info["saved_model"] is None and not model_dir(child).exists()
    assert (child / "curves.png").is_file() and (child / "model_summary.txt").is_file()
    mine = pd.read_csv(child / "predictions.csv", dtype={"id": str})
    theirs = pd.read_csv(parent / "predictions.csv", dtype={"id": str})
    np.testing.assert_array_equal(mine["prob_raw"], theirs["prob_raw"])


def test_warm_start_from_another_architecture_fails_in_one_line(sweep: Path, tmp_path: Path, cli: Callable) -> None:
    parent = run_of(sweep, 0)
    out = cli([*base_args(sweep.parent), f"trainer.init_from='{parent}'", "model.encoder.d_model=32",
               f"hydra.run.dir={tmp_path / 'child'}"], cwd=tmp_path)
    assert out.returncode == 1
    info = json.loads((tmp_path / "child" / "run.json").read_text())
    assert info["status"] == "failed"
    assert info["error"].startswith(f"trainer.init_from={parent}: model.safetensors does not fit")

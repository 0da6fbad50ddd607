"""A tiny end-to-end run on a cluster split fold: the job's leakage report and nearest-neighbour reference."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score


def test_cluster_fold_run_writes_leakage_and_reference(cli, tiny_run, read_json, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = cli(
        ["data=amp_modlamp", "data.limit=200", "data.split_by=cluster", "data.cv.folds=3", "data.cv.fold=1",
         *tiny_run, f"hydra.run.dir={run_dir}", f"paths.cache_dir={tmp_path / 'cache'}"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    info = read_json(run_dir / "run.json")
    assert info["status"] == "completed"
    assert info["data"]["split_by"] == "cluster" and info["data"]["cv"] == {"folds": 3, "fold": 1}
    assert info["leakage"]["test"]["ge_80"] == 0.0 and info["leakage"]["valid"]["ge_80"] == 0.0
    reference = pd.read_csv(run_dir / "reference_predictions.csv", dtype={"id": str})
    predictions = pd.read_csv(run_dir / "predictions.csv", dtype={"id": str})
    test = predictions[predictions["split"] == "test"]
    assert sorted(reference["id"]) == sorted(test["id"])  # the same test set
    assert abs(info["nn_reference"]["auc"] - roc_auc_score(reference["label"], reference["score"])) < 1e-12
    assert list((tmp_path / "cache" / "clusters").glob("*.clusters"))  # clusters cached under paths.cache_dir

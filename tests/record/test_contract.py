"""One contract test, run by both families' runners: a tiny real run of each, through the ``protsweep``
command, leaves a record that matches :mod:`protsweep.record.contract`, with metrics recomputed
independently from the predictions it wrote (AUC/AUPRC by sklearn on the raw scores, Brier and ECE by
numpy on both scores)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from protsweep.calibration.calibrators import Calibrator
from protsweep.family import families
from protsweep.record import contract
from protsweep.record.state import read_status
from tests.conftest import TINY_RUN
from tests.record.docs_keys import documented_run_json_keys
from tests.record.reference import binned_ece
from tests.siamese.conftest import TINY as SIAMESE_TINY
from tests.siamese.pairgen import write_pairs_csv

pytestmark = pytest.mark.slow


def proteinbert_args(tmp_path: Path) -> list[str]:
    return [*TINY_RUN, "data.limit=120", "calibration=isotonic"]


def siamese_args(tmp_path: Path) -> list[str]:
    pairs = write_pairs_csv(tmp_path / "pairs.csv", n_proteins=40, n_pairs=160, seed=0)
    return ["model=siamese", "data=pairs_csv", f"data.source.path={pairs}", f"paths.cache_dir={tmp_path / 'cache'}",
            *SIAMESE_TINY, "calibration=platt"]


#: family -> (its tiny run's arguments, the columns its predictions add after the contract's); every registered
#: family needs an entry
FAMILIES: dict[str, tuple[Callable[[Path], list[str]], list[str]]] = {
    "proteinbert": (proteinbert_args, []),
    "siamese": (siamese_args, ["id_a", "id_b"]),
}


@pytest.mark.parametrize("family", sorted(families()))
def test_a_tiny_run_leaves_the_contracted_record(family: str, tmp_path: Path, cli: Callable) -> None:
    make_args, own_columns = FAMILIES[family]
    run_dir = tmp_path / "run"
    out = cli([*make_args(tmp_path), f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]

    for name in contract.RECORD_FILES:
        assert (run_dir / name).is_file(), name
    run = json.loads((run_dir / contract.RUN_JSON).read_text())
    assert run["status"] == contract.Status.COMPLETED and read_status(run_dir) is contract.Status.COMPLETED
    documented, added = documented_run_json_keys()  # issue 25: docs/run-record.md matches the real record
    assert set(run) - set(documented) <= added and set(documented) - {"saved_model"} <= set(run)
    assert run["model_family"] == family and run["error"] is None

    pred = pd.read_csv(run_dir / contract.PREDICTIONS_CSV, dtype={"id": str})
    assert list(pred.columns) == [*contract.PREDICTION_COLUMNS, *own_columns]
    assert list(pd.unique(pred["split"])) == list(contract.PREDICTION_SPLITS) and pred["id"].is_unique
    assert set(pred["label"]) == {0, 1}
    for column in (contract.PROB_COLUMN, contract.RAW_SCORE_COLUMN):
        assert pred[column].between(0, 1).all()

    reference = pd.read_csv(run_dir / contract.REFERENCE_PREDICTIONS_CSV, dtype={"id": str})
    test_rows = pred[pred["split"] == "test"]
    assert list(reference.columns) == contract.REFERENCE_COLUMNS
    assert sorted(reference["id"]) == sorted(test_rows["id"])  # the job's own test set
    assert run[contract.NN_REFERENCE_KEY]["auc"] == pytest.approx(
        roc_auc_score(reference["label"], reference[contract.REFERENCE_SCORE_COLUMN]), abs=1e-9)
    assert {"test", "valid"} <= run[contract.LEAKAGE_KEY].keys()

    history = pd.read_csv(run_dir / contract.HISTORY_CSV)
    metrics = json.loads((run_dir / contract.METRICS_JSON).read_text())
    assert list(history.columns) == contract.HISTORY_COLUMNS
    assert len(history) == metrics["epochs_run"] >= 1
    assert set(contract.TRAINING_METRIC_KEYS) <= metrics.keys()

    calibrator = Calibrator.from_params(metrics[contract.CALIBRATION_KEY])
    for split in contract.PREDICTION_SPLITS:
        part = pred[pred["split"] == split]
        labels = part["label"].to_numpy()
        raw, prob = part[contract.RAW_SCORE_COLUMN].to_numpy(), part[contract.PROB_COLUMN].to_numpy()
        got = metrics[split]
        assert set(got) == set(contract.SPLIT_METRIC_KEYS)
        assert got["n"] == len(part) and got["pos_rate"] == pytest.approx(labels.mean())
        # discrimination from the raw scores, whatever the calibrator did
        assert got["auc"] == pytest.approx(roc_auc_score(labels, raw), abs=1e-9)
        assert got["auprc"] == pytest.approx(average_precision_score(labels, raw), abs=1e-9)
        # the recorded calibrator, rebuilt from metrics.json, gives the recorded probabilities
        np.testing.assert_allclose(calibrator.transform(raw), prob, atol=1e-9)
        for scores, suffix in ((prob, ""), (raw, contract.RAW_SUFFIX)):
            assert got[f"brier{suffix}"] == pytest.approx(np.mean((scores - labels) ** 2), abs=1e-9)
            assert got[f"ece{suffix}"] == pytest.approx(binned_ece(labels, scores, calibrator.n_bins), abs=1e-9)

"""The record writer and the shared output writer, on synthetic predictions, against independent
computations (sklearn, numpy) and the files really written."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from protsweep.calibration.calibrators import Identity, Isotonic, Platt
from protsweep.callbacks import TrainerCallback
from protsweep.record import (
    HISTORY_COLUMNS,
    HISTORY_CSV,
    METRICS_JSON,
    PREDICTION_COLUMNS,
    PREDICTION_SPLITS,
    PREDICTIONS_CSV,
    RUN_JSON,
    RunRecord,
    Status,
    read_status,
    write_outputs,
)
from tests.record.reference import binned_ece


def row(epoch: int, **extra: Any) -> dict[str, Any]:
    return {"stage": "frozen", "epoch": epoch, "loss": 1.0 / epoch, "val_loss": 0.5, "val_auc": 0.6, "lr": 1e-3,
            **extra}


class Heard(TrainerCallback):
    """Notes each row it hears, with the number of rows history.csv held at that moment."""

    def __init__(self, name: str, seen: list[tuple[str, dict[str, Any], int]], run_dir: Path) -> None:
        self.name, self.seen, self.run_dir = name, seen, run_dir

    def on_row(self, row: Mapping[str, Any]) -> None:
        self.seen.append((self.name, dict(row), len(pd.read_csv(self.run_dir / HISTORY_CSV))))


def test_each_row_rewrites_history_then_reaches_the_callbacks_in_order(tmp_path: Path) -> None:
    seen: list[tuple[str, dict[str, Any], int]] = []
    record = RunRecord(tmp_path, callbacks=[Heard("progress", seen, tmp_path)])
    events = record.events(Heard("tracker", seen, tmp_path))
    for epoch in (1, 2, 3):
        events.on_row(row(epoch, extra_key="dropped"))
        on_disk = pd.read_csv(tmp_path / HISTORY_CSV)
        assert list(on_disk.columns) == HISTORY_COLUMNS and on_disk["epoch"].tolist() == list(range(1, epoch + 1))
    # the file already holds the row when a later callback hears it
    assert [(name, r["epoch"], n) for name, r, n in seen] == [
        ("progress", 1, 1), ("tracker", 1, 1), ("progress", 2, 2), ("tracker", 2, 2), ("progress", 3, 3),
        ("tracker", 3, 3)]
    assert seen[0][1] == row(1, extra_key="dropped")  # as announced; the record keeps HISTORY_COLUMNS only
    assert record.history[0] == {c: row(1)[c] for c in HISTORY_COLUMNS}
    assert [p.name for p in tmp_path.iterdir()] == [HISTORY_CSV]  # no temporary file left behind
    with pytest.raises(ValueError, match="val_auc"):
        events.on_row({k: v for k, v in row(4).items() if k != "val_auc"})
    assert len(seen) == 6  # a row the record refuses reaches no later callback


def test_stages_are_timed_through_the_events_and_not_finished_when_they_raise(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    record.start()
    events = record.events()
    with events.stage("data"):
        pass
    with pytest.raises(RuntimeError), events.stage("train"):
        raise RuntimeError("boom")
    walls = json.loads((tmp_path / RUN_JSON).read_text())["wall_seconds"]
    assert "data" in walls and walls["data"] >= 0 and "train" not in walls


def test_write_history_replaces_and_log_epoch_continues(tmp_path: Path) -> None:
    """A resumed run: the epochs it already had, then new ones."""
    record = RunRecord(tmp_path)
    record.write_history([row(1), row(2)])
    record.log_epoch(row(3))
    assert pd.read_csv(tmp_path / HISTORY_CSV)["epoch"].tolist() == [1, 2, 3]
    record.write_history([])
    assert pd.read_csv(tmp_path / HISTORY_CSV).columns.tolist() == HISTORY_COLUMNS


def test_statuses_are_written_as_plain_strings_and_read_back(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    assert read_status(tmp_path) is None
    record.start(seed=0)
    assert json.loads((tmp_path / RUN_JSON).read_text())["status"] == "running"
    assert read_status(tmp_path) is Status.RUNNING and not record.is_completed()
    record.fail("boom")
    assert read_status(tmp_path) is Status.FAILED
    record.complete()
    assert read_status(tmp_path) == "completed" and record.is_completed()
    (tmp_path / RUN_JSON).write_text('{"status": "exploded"}')
    assert read_status(tmp_path) is None


def synthetic_splits(seed: int = 0) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    examples, raw = {}, {}
    for split, n in zip(PREDICTION_SPLITS, (120, 200), strict=True):
        labels = (rng.random(n) < 0.35).astype(int)
        raw[split] = 1 / (1 + np.exp(-(2 * rng.normal(size=n) + 1.5 * labels - 2.5)))  # over-confident
        examples[split] = pd.DataFrame({"id": [f"{split}{i}" for i in range(n)], "sequence": ["ACD"] * n,
                                        "label": labels, "id_a": [f"a{i}" for i in range(n)]})
    return examples, raw


@pytest.mark.parametrize("calibrator", [Identity(n_bins=5), Platt(n_bins=10), Isotonic(n_bins=20)])
def test_write_outputs_scores_raw_and_calibrated_probabilities(tmp_path: Path, calibrator: Any) -> None:
    examples, raw = synthetic_splits()
    written = write_outputs(RunRecord(tmp_path), examples, raw, calibrator, {"best_epoch": 2, "epochs_run": 3})
    pred = pd.read_csv(tmp_path / PREDICTIONS_CSV)
    metrics = json.loads((tmp_path / METRICS_JSON).read_text())
    assert metrics == json.loads(json.dumps(written))
    assert list(pred.columns) == [*PREDICTION_COLUMNS, "id_a"]
    assert pred["split"].tolist() == [s for s in PREDICTION_SPLITS for _ in range(len(examples[s]))]
    # the calibrator was fitted on valid alone
    refit = type(calibrator)(n_bins=calibrator.n_bins).fit(raw["valid"], examples["valid"]["label"])
    assert metrics["calibration"] == json.loads(json.dumps(refit.params()))
    for split in PREDICTION_SPLITS:
        part = pred[pred["split"] == split]
        labels, prob_raw, prob = part["label"].to_numpy(), part["prob_raw"].to_numpy(), part["prob"].to_numpy()
        np.testing.assert_allclose(prob_raw, raw[split])
        np.testing.assert_allclose(prob, refit.transform(raw[split]))
        got = metrics[split]
        assert got["auc"] == pytest.approx(roc_auc_score(labels, prob_raw), abs=1e-12)
        assert got["auprc"] == pytest.approx(average_precision_score(labels, prob_raw), abs=1e-12)
        assert (got["n"], got["pos_rate"]) == (len(part), pytest.approx(labels.mean()))
        assert got["brier"] == pytest.approx(np.mean((prob - labels) ** 2), abs=1e-12)
        assert got["brier_raw"] == pytest.approx(np.mean((prob_raw - labels) ** 2), abs=1e-12)
        assert got["ece"] == pytest.approx(binned_ece(labels, prob, calibrator.n_bins), abs=1e-12)
        assert got["ece_raw"] == pytest.approx(binned_ece(labels, prob_raw, calibrator.n_bins), abs=1e-12)
    assert (metrics["best_epoch"], metrics["epochs_run"]) == (2, 3)
    if not isinstance(calibrator, Identity):  # calibration on a miscalibrated model does help on valid
        assert metrics["valid"]["brier"] < metrics["valid"]["brier_raw"]


def test_write_outputs_refuses_missing_splits_columns_or_scores(tmp_path: Path) -> None:
    examples, raw = synthetic_splits()
    with pytest.raises(ValueError, match="splits"):
        write_outputs(RunRecord(tmp_path), {"test": examples["test"]}, {"test": raw["test"]}, Identity())
    with pytest.raises(ValueError, match="sequence"):
        write_outputs(RunRecord(tmp_path), {**examples, "test": examples["test"].drop(columns="sequence")}, raw,
                      Identity())
    with pytest.raises(ValueError, match="scores"):
        write_outputs(RunRecord(tmp_path), examples, {**raw, "test": raw["test"][:-1]}, Identity())
    assert not (tmp_path / PREDICTIONS_CSV).exists() and not (tmp_path / METRICS_JSON).exists()

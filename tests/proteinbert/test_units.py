"""Small pieces of the foundation, each against an independent computation."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from sklearn.utils.class_weight import compute_sample_weight

from protsweep.atomic import write_json_atomic
from protsweep.calibration.calibrators import Isotonic, Platt
from protsweep.calibration.metrics import calibration_metrics, expected_calibration_error
from protsweep.errors import ConfigError
from protsweep.proteinbert.config import ClassWeight
from protsweep.proteinbert.runner import downsample_negatives, training_weights
from protsweep.proteinbert.stages import plan_stages
from protsweep.record import RunRecord
from protsweep.resolvers import job_dirname

TRAINER = {"freeze": "two_stage", "batch_size": 32, "epochs_frozen": 40, "epochs_full": 40, "lr_frozen": 1e-2,
           "lr_full": 1e-4, "final_epochs": 0, "final_seq_len": 1024, "final_lr": 1e-5}


def test_job_dirname_escapes_paths_and_bounds_length() -> None:
    assert job_dirname("data.source.path=/a/b.csv,seed=0") == "data.source.path=%2Fa%2Fb.csv,seed=0"
    assert job_dirname("x=50%/y") == "x=50%25%2Fy"
    long = ",".join(f"key{i}=value{i}" for i in range(60))
    name = job_dirname(long)
    assert len(name) == 200 and "/" not in name
    assert name != job_dirname(long + ",z=1")  # the hash keeps different long names apart
    assert job_dirname("") == "default"


def test_upstream_two_stage_schedule() -> None:
    stages = plan_stages(OmegaConf.create(TRAINER), 48)
    assert [(s.name, s.epochs, s.lr, s.freeze_backbone, s.seq_len) for s in stages] == [
        ("frozen", 40, 1e-2, True, 48), ("full", 40, 1e-4, False, 48)]


def test_final_stage_keeps_tokens_per_batch_like_upstream() -> None:
    cfg = OmegaConf.create({**TRAINER, "final_epochs": 1})
    final = plan_stages(cfg, 512)[-1]
    assert (final.name, final.seq_len, final.batch_size, final.lr) == ("final", 1024, 16, 1e-5)


@pytest.mark.parametrize(("freeze", "names"), [("frozen_only", ["frozen"]), ("none", ["full"])])
def test_other_schedules(freeze: str, names: list[str]) -> None:
    stages = plan_stages(OmegaConf.create({**TRAINER, "freeze": freeze}), 48)
    assert [s.name for s in stages] == names


def test_schedule_errors() -> None:
    with pytest.raises(ValueError, match="'sometimes' is not a valid Freeze"):
        plan_stages(OmegaConf.create({**TRAINER, "freeze": "sometimes"}), 48)
    with pytest.raises(ConfigError, match="no training stage"):
        plan_stages(OmegaConf.create({**TRAINER, "epochs_frozen": 0, "epochs_full": 0}), 48)


def test_balanced_weights_equal_sklearns() -> None:
    labels = np.array([0] * 30 + [1] * 10)
    weights = training_weights(labels, ClassWeight.balanced)
    np.testing.assert_allclose(weights, compute_sample_weight("balanced", labels))
    assert training_weights(labels, ClassWeight.none) is None


def test_negative_downsampling_keeps_positives_and_the_ratio() -> None:
    train = pd.DataFrame({"sequence": [f"S{i}" for i in range(100)], "label": [1] * 10 + [0] * 90})
    kept = downsample_negatives(train, 2.0, np.random.default_rng(0))
    assert kept["label"].sum() == 10 and (kept["label"] == 0).sum() == 20
    assert downsample_negatives(train, None, np.random.default_rng(0)) is train


def test_ece_against_a_direct_computation() -> None:
    rng = np.random.default_rng(0)
    probs = rng.random(500)
    labels = (rng.random(500) < probs**2).astype(int)
    edges = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, 9)
    direct = sum(
        (which == b).mean() * abs(labels[which == b].mean() - probs[which == b].mean())
        for b in range(10)
        if (which == b).any()
    )
    assert expected_calibration_error(labels, probs, 10) == pytest.approx(direct, abs=1e-12)
    metrics = calibration_metrics(labels, probs)
    assert metrics["brier"] == pytest.approx(np.mean((probs - labels) ** 2))


@pytest.mark.parametrize("calibrator", [Platt, Isotonic])
def test_calibration_improves_a_miscalibrated_model(calibrator: type[Platt | Isotonic]) -> None:
    rng = np.random.default_rng(1)
    truth = rng.random(4000)
    labels = (rng.random(4000) < truth).astype(int)
    raw = truth**3  # over-confident negatives: badly calibrated, same ranking
    calibrate = calibrator().fit(raw[:2000], labels[:2000]).transform
    before = expected_calibration_error(labels[2000:], raw[2000:])
    after = expected_calibration_error(labels[2000:], calibrate(raw[2000:]))
    assert after < before / 2


def test_atomic_write_leaves_no_temporary_files_and_readable_modes(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "a.json", {"x": np.float32(1.5), "n": np.int64(3)})
    assert (tmp_path / "a.json").read_text().strip().startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert (tmp_path / "a.json").stat().st_mode & 0o044  # group/other may read, like any file here
    with pytest.raises(TypeError):
        write_json_atomic(tmp_path / "b.json", {"x": object()})
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # the failed write left nothing behind


def test_record_refuses_predictions_without_the_contract_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="prob"):
        RunRecord(tmp_path).write_predictions(pd.DataFrame({"split": [], "id": [], "sequence": [], "label": []}))


def test_overwrite_sets_the_old_record_aside(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    record.start(seed=0)
    record.complete()
    kept = record.set_aside_previous()
    assert kept is not None and (kept / "run.json").is_file() and not (tmp_path / "run.json").exists()
    assert os.path.dirname(kept) == str(tmp_path)

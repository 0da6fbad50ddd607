"""Checkpoints and resume: an interrupted run, relaunched, ends as an uninterrupted run does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import DictConfig

from protsweep.callbacks import TrainerCallback
from protsweep.job import seed_python_and_numpy
from protsweep.record import RunRecord
from protsweep.siamese.runner import train_and_evaluate
from protsweep.siamese.train.checkpoint import CheckpointStore


class SimulatedKillError(Exception):
    """Stands for a killed process: raised right after an epoch's checkpoint is written."""


def run(cfg: DictConfig, run_dir: Path, callbacks: tuple[TrainerCallback, ...] = ()) -> dict:
    """What job.py does around a runner, minus Hydra."""
    record = RunRecord(run_dir)
    record.start(seed=int(cfg.seed), model_family="siamese")
    seed_python_and_numpy(int(cfg.seed))
    train_and_evaluate(cfg, run_dir, record, callbacks)
    record.complete()
    return json.loads((run_dir / "run.json").read_text())


class InterruptAfter(TrainerCallback):
    """Kills the run right after ``epoch``'s checkpoint is on disk."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_checkpoint(self, epoch: int) -> None:
        if epoch == self.epoch:
            raise SimulatedKillError(f"after epoch {epoch}")


def outputs(run_dir: Path) -> dict[str, str]:
    return {name: (run_dir / name).read_text() for name in ("predictions.csv", "history.csv", "metrics.json")}


@pytest.mark.parametrize("loss", ["bce", "contrastive"])
def test_resumed_run_equals_uninterrupted_run(
    tiny_cfg: Callable[..., DictConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loss: str
) -> None:
    cfg = tiny_cfg("trainer.epochs=4", "callback.patience=10", "seed=3", f"loss={loss}", "deterministic=true")
    full = run(cfg, tmp_path / "full")
    assert full["resume"]["resumed"] is False

    part_dir = tmp_path / "part"
    with pytest.raises(SimulatedKillError):
        run(cfg, part_dir, (InterruptAfter(2),))
    assert json.loads((part_dir / "run.json").read_text())["status"] == "running"  # as a killed job leaves it
    saved = CheckpointStore(part_dir).load_last()
    assert saved["state"]["epoch"] == 2 and {"model", "optimizer", "rng"} <= saved.keys()
    assert {"torch", "shuffle", "numpy", "python"} <= saved["rng"].keys()

    resumed = run(cfg, part_dir)
    assert resumed["resume"] == {"resumed": True, "from_epoch": 2, "note": None}
    assert outputs(part_dir) == outputs(tmp_path / "full")  # byte for byte
    assert json.loads((part_dir / "metrics.json").read_text())["epochs_run"] == 4


def test_checkpoint_of_another_config_is_not_resumed(
    tiny_cfg: Callable[..., DictConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SimulatedKillError):
        run(tiny_cfg("trainer.epochs=2"), tmp_path / "r", (InterruptAfter(1),))
    info = run(tiny_cfg("trainer.epochs=2", "trainer.lr=0.001"), tmp_path / "r")["resume"]
    assert info["resumed"] is False and "another config" in info["note"]


def test_overwrite_starts_afresh(
    tiny_cfg: Callable[..., DictConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SimulatedKillError):
        run(tiny_cfg("trainer.epochs=2"), tmp_path / "r", (InterruptAfter(1),))
    info = run(tiny_cfg("trainer.epochs=2", "overwrite=true"), tmp_path / "r")["resume"]
    assert info == {"resumed": False, "from_epoch": None, "note": "overwrite=true: started afresh"}


def test_early_stopping_and_best_epoch(tiny_cfg: Callable[..., DictConfig], tmp_path: Path) -> None:
    record = run(tiny_cfg("trainer.epochs=6", "callback=early_stop_auc", "callback.patience=1"), tmp_path / "r")
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    history = (tmp_path / "r" / "history.csv").read_text().splitlines()
    assert history[0] == "stage,epoch,loss,val_loss,val_auc,lr"
    assert len(history) - 1 == metrics["epochs_run"] <= 6
    assert 1 <= metrics["best_epoch"] <= metrics["epochs_run"]
    best = CheckpointStore(tmp_path / "r").load_best()
    assert best["epoch"] == metrics["best_epoch"]
    assert record["network"]["pair_head"] == "cross_attention"

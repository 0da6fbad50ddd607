"""The Siamese trainer announces its events through the callback protocol, as the run record sees them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from tests.test_callbacks import Log

from .test_resume import run


def test_the_events_of_a_run_match_its_record(tiny_cfg: Callable[..., DictConfig], tmp_path: Path) -> None:
    heard: list[tuple[Any, ...]] = []
    cfg = tiny_cfg("trainer.epochs=6", "callback=early_stop_auc", "callback.patience=1")
    info = run(cfg, tmp_path / "r", (Log("test", heard),))
    events = [event[1:] for event in heard]
    stages = [(kind, stage) for kind, stage, *_ in events if kind.startswith("stage")]
    assert stages == [(kind, name) for name in ("data", "embed", "train", "predict")
                      for kind in ("stage_begin", "stage_end")]
    assert set(info["wall_seconds"]) == {"data", "embed", "train", "predict", "total"}  # timed by the events

    training = events[events.index(("stage_begin", "train")) + 1 : events.index(("stage_end", "train"))]
    history = pd.read_csv(tmp_path / "r" / "history.csv")
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    n = metrics["epochs_run"]
    assert len(history) == n
    early = [event for event in training if event[0] == "early_stop"]
    per_epoch = [event for event in training if event[0] != "early_stop"]
    assert [event[0] for event in per_epoch] == ["epoch_end", "row", "checkpoint"] * n
    for epoch, (end, row, checkpoint) in enumerate(zip(*[iter(per_epoch)] * 3, strict=True), start=1):
        assert end[1:3] == ("train", epoch) and checkpoint == ("checkpoint", epoch)
        assert row[1] == {"stage": "train", "epoch": epoch, **end[3]}  # the row is the epoch's logs
        on_disk = history.iloc[epoch - 1]
        assert row[1]["val_auc"] == on_disk["val_auc"] and row[1]["loss"] == on_disk["loss"]
    if n < 6:  # stopped early: announced once, after the last epoch's checkpoint
        assert early == [("early_stop", "train", n, "early stop: no better val_auc for 1 epochs")]
        assert training[-1] == early[0]
    else:
        assert early == []

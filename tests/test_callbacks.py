"""The training-callback protocol: every event reaches every callback, in list order, and stages pair up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from protsweep.callbacks import CallbackHandler, TrainerCallback


class Log(TrainerCallback):
    """Notes every event it hears as (name, event, arguments)."""

    def __init__(self, name: str, heard: list[tuple[Any, ...]]) -> None:
        self.name, self.heard = name, heard

    def on_stage_begin(self, stage: str) -> None:
        self.heard.append((self.name, "stage_begin", stage))

    def on_stage_end(self, stage: str) -> None:
        self.heard.append((self.name, "stage_end", stage))

    def on_epoch_end(self, stage: str, epoch: int, logs: Mapping[str, Any]) -> None:
        self.heard.append((self.name, "epoch_end", stage, epoch, dict(logs)))

    def on_row(self, row: Mapping[str, Any]) -> None:
        self.heard.append((self.name, "row", dict(row)))

    def on_early_stop(self, stage: str, epoch: int, reason: str) -> None:
        self.heard.append((self.name, "early_stop", stage, epoch, reason))

    def on_checkpoint(self, epoch: int) -> None:
        self.heard.append((self.name, "checkpoint", epoch))


def test_every_event_reaches_every_callback_in_list_order() -> None:
    heard: list[tuple[Any, ...]] = []
    handler = CallbackHandler([Log("a", heard), TrainerCallback(), Log("b", heard)])  # the base ignores all
    with handler.stage("train"):
        handler.on_epoch_end("train", 1, {"loss": 0.5})
        handler.on_row({"epoch": 1})
        handler.on_checkpoint(1)
        handler.on_early_stop("train", 1, "early stop")
    expected = [
        ("stage_begin", "train"),
        ("epoch_end", "train", 1, {"loss": 0.5}),
        ("row", {"epoch": 1}),
        ("checkpoint", 1),
        ("early_stop", "train", 1, "early stop"),
        ("stage_end", "train"),
    ]
    assert heard == [(name, *event) for event in expected for name in ("a", "b")]


def test_a_stage_that_raises_is_not_finished_and_the_error_propagates() -> None:
    heard: list[tuple[Any, ...]] = []
    handler = CallbackHandler([Log("a", heard)])
    with pytest.raises(KeyError), handler.stage("data"):
        raise KeyError("x")
    assert heard == [("a", "stage_begin", "data")]


def test_a_handler_nests_and_rows_are_copied_per_callback() -> None:
    heard: list[tuple[Any, ...]] = []

    class Editor(TrainerCallback):
        def on_row(self, row: Mapping[str, Any]) -> None:
            row["epoch"] = 99  # type: ignore[index]

    inner = CallbackHandler([Log("inner", heard)])
    outer = CallbackHandler([Editor(), inner])
    outer.add(Log("outer", heard))
    row = {"epoch": 1}
    outer.on_row(row)
    assert heard == [("inner", "row", {"epoch": 1}), ("outer", "row", {"epoch": 1})] and row == {"epoch": 1}

"""The training events of every model family, and who hears them (in the manner of transformers'
``TrainerCallback`` and ``CallbackHandler``).

A trainer announces what happens through one :class:`CallbackHandler`; whatever wants to know (the run
record, the progress lines, a test that interrupts a run, a benchmark's timer) is a :class:`TrainerCallback`
in the handler's list and overrides the events it needs. Every event is a no-op by default. Events, in the
order a stage sees them:

- ``on_stage_begin(stage)`` / ``on_stage_end(stage)``: a stage of the run (``data``, ``train``, ``frozen``,
  ``predict``...) starts or finishes; :meth:`CallbackHandler.stage` pairs them. A stage that raises is not
  finished (its time is not recorded).
- ``on_epoch_end(stage, epoch, logs)``: an epoch's metrics are known (``loss``, ``val_loss``, ``val_auc``,
  ``lr``); ``epoch`` counts from 1 within the stage.
- ``on_row(row)``: the epoch's history row (``HISTORY_COLUMNS`` of the run record) is known.
- ``on_early_stop(stage, epoch, reason)``: early stopping ended the stage after ``epoch``.
- ``on_checkpoint(epoch)``: the epoch's checkpoint is on disk (a run killed from here on resumes after it).

A callback that raises stops training and fails the job, like any other bug.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any


class TrainerCallback:
    """Override the events you need; the others do nothing."""

    def on_stage_begin(self, stage: str) -> None:
        pass

    def on_stage_end(self, stage: str) -> None:
        pass

    def on_epoch_end(self, stage: str, epoch: int, logs: Mapping[str, Any]) -> None:
        pass

    def on_row(self, row: Mapping[str, Any]) -> None:
        pass

    def on_early_stop(self, stage: str, epoch: int, reason: str) -> None:
        pass

    def on_checkpoint(self, epoch: int) -> None:
        pass


class CallbackHandler(TrainerCallback):
    """Hands every event to its callbacks, in list order (the run record first, so history.csv holds a row
    before the progress line names it)."""

    def __init__(self, callbacks: Sequence[TrainerCallback] = ()) -> None:
        self.callbacks: list[TrainerCallback] = list(callbacks)

    def add(self, callback: TrainerCallback) -> None:
        self.callbacks.append(callback)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """``on_stage_begin``, the body, then ``on_stage_end`` (not when the body raises)."""
        self.on_stage_begin(name)
        yield
        self.on_stage_end(name)

    def on_stage_begin(self, stage: str) -> None:
        for callback in self.callbacks:
            callback.on_stage_begin(stage)

    def on_stage_end(self, stage: str) -> None:
        for callback in self.callbacks:
            callback.on_stage_end(stage)

    def on_epoch_end(self, stage: str, epoch: int, logs: Mapping[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(stage, epoch, logs)

    def on_row(self, row: Mapping[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_row(dict(row))  # each gets its own copy: one callback's edits never reach the next

    def on_early_stop(self, stage: str, epoch: int, reason: str) -> None:
        for callback in self.callbacks:
            callback.on_early_stop(stage, epoch, reason)

    def on_checkpoint(self, epoch: int) -> None:
        for callback in self.callbacks:
            callback.on_checkpoint(epoch)

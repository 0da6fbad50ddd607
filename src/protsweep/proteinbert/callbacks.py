"""The family's Keras callbacks (validation metrics, first-step timer, early stopping and LR reduction) and
:class:`KerasEvents`, the adapter that hands Keras's epochs to the protocol of :mod:`protsweep.callbacks`:
outside this family nothing sees a Keras callback."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from protsweep.callbacks import TrainerCallback
from protsweep.proteinbert.tf_env import keras
from protsweep.schema import BETTER, CallbackConfig, Mode, Monitor


class ValidationMetrics(keras.callbacks.Callback):
    """Writes ``val_loss`` (the compiled loss) and the exact sklearn ``val_auc`` into the epoch logs.

    It must come first in the callback list: Keras hands one logs dict to the callbacks in order,
    so early stopping and LR reduction see these values.
    """

    def __init__(self, predict_valid: Callable[[], np.ndarray], labels: np.ndarray, loss: Any) -> None:
        super().__init__()
        self.predict_valid = predict_valid
        self.labels = np.asarray(labels, dtype=np.float32)
        self.loss = loss

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is None:
            return
        probs = self.predict_valid()
        logs["val_loss"] = float(self.loss(self.labels[:, None], probs[:, None]))
        logs["val_auc"] = float(roc_auc_score(self.labels, probs))


class FirstStepTimer(keras.callbacks.Callback):
    """Seconds from ``since`` (a ``time.perf_counter()`` reading at the stage's start) to the end of the first
    training batch: the stage's fixed cost (features, compile, graph tracing) plus one step."""

    def __init__(self, since: float) -> None:
        super().__init__()
        self.since = since
        self.seconds: float | None = None

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.seconds is None:
            self.seconds = time.perf_counter() - self.since


class KerasEvents(keras.callbacks.Callback):
    """The adapter: each Keras epoch appends its history row (stage, epoch, loss, val_loss, val_auc, lr) to
    ``rows``, then ``events`` hears ``on_epoch_end`` and ``on_row``; an early stop by ``early`` is announced
    when training ends. It comes after the callbacks that write the epoch's logs."""

    def __init__(
        self, stage: str, rows: list[dict[str, Any]], events: TrainerCallback, early: keras.callbacks.EarlyStopping
    ) -> None:
        super().__init__()
        self.stage = stage
        self.rows = rows
        self.events = events
        self.early = early

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._lr = float(keras.backend.get_value(self.model.optimizer.learning_rate))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        values = {key: logs.get(key) for key in ("loss", "val_loss", "val_auc")}
        self.rows.append({"stage": self.stage, "epoch": epoch + 1, **values, "lr": self._lr})
        self.events.on_epoch_end(self.stage, epoch + 1, {**logs, "lr": self._lr})
        self.events.on_row(self.rows[-1])

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.early.stopped_epoch > 0:
            reason = f"early stop: no better {self.early.monitor} for {self.early.patience} epochs"
            self.events.on_early_stop(self.stage, self.early.stopped_epoch + 1, reason)


def stopping_callbacks(stopping: CallbackConfig) -> tuple[keras.callbacks.EarlyStopping, list[Any]]:
    """EarlyStopping (tf-keras restores the best weights at the end of training, stopped early or not)
    plus ReduceLROnPlateau when configured."""
    early = keras.callbacks.EarlyStopping(
        monitor=Monitor(stopping.monitor).value, mode=Mode(stopping.mode).value,
        patience=int(stopping.patience),
        restore_best_weights=bool(stopping.restore_best),
    )
    extra: list[Any] = []
    reduce = stopping.reduce_lr
    if reduce is not None:
        extra.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=Monitor(reduce.monitor).value, mode=BETTER[Monitor(reduce.monitor)].value,
                patience=int(reduce.patience), factor=float(reduce.factor), min_lr=float(reduce.min_lr),
            )
        )
    return early, extra


class BestAcrossStages(TrainerCallback):
    """Issue 14: the best weights of the whole run by the monitored metric, whichever stage reached them.
    As a training callback it snapshots the full model's weights whenever the monitored value beats every
    earlier epoch of every stage; :meth:`restore` loads the snapshot."""

    def __init__(self, model: Any, stopping: CallbackConfig) -> None:
        self.model = model  # the full model (a stage may fit only its head; the weights are shared)
        self.monitor = Monitor(stopping.monitor).value
        self.better = np.less if Mode(stopping.mode) is Mode.min else np.greater
        self.value: float | None = None
        self.stage: str | None = None
        self.epoch: int | None = None
        self.weights: list[np.ndarray] | None = None

    def on_epoch_end(self, stage: str, epoch: int, logs: Mapping[str, Any]) -> None:
        value = logs.get(self.monitor)
        if value is not None and (self.value is None or self.better(value, self.value)):
            self.value, self.stage, self.epoch = float(value), stage, epoch
            self.weights = self.model.get_weights()

    def restore(self) -> dict[str, Any] | None:
        if self.weights is None:
            return None
        self.model.set_weights(self.weights)
        return {"stage": self.stage, "epoch": self.epoch, self.monitor: self.value}

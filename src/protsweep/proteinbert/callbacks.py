"""Per-epoch validation metrics and history, and the early-stopping/LR callbacks built from config."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from omegaconf import DictConfig
from sklearn.metrics import roc_auc_score

from protsweep.proteinbert.tf_env import keras
from protsweep.schema import BETTER, Mode, Monitor


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


class HistoryRows(keras.callbacks.Callback):
    """Appends one row per epoch (stage, epoch, loss, val_loss, val_auc, lr) to a shared list."""

    def __init__(self, stage: str, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.stage = stage
        self.rows = rows

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._lr = float(keras.backend.get_value(self.model.optimizer.learning_rate))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.rows.append(
            {
                "stage": self.stage,
                "epoch": epoch + 1,
                "loss": logs.get("loss"),
                "val_loss": logs.get("val_loss"),
                "val_auc": logs.get("val_auc"),
                "lr": self._lr,
            }
        )


def stopping_callbacks(callback_cfg: DictConfig) -> tuple[keras.callbacks.EarlyStopping, list[Any]]:
    """EarlyStopping (tf-keras restores the best weights at the end of training, stopped early or not)
    plus ReduceLROnPlateau when configured."""
    early = keras.callbacks.EarlyStopping(
        monitor=Monitor(callback_cfg.monitor).value, mode=Mode(callback_cfg.mode).value,
        patience=int(callback_cfg.patience),
        restore_best_weights=bool(callback_cfg.restore_best),
    )
    extra: list[Any] = []
    reduce = callback_cfg.get("reduce_lr")
    if reduce is not None:
        extra.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=Monitor(reduce.monitor).value, mode=BETTER[Monitor(reduce.monitor)].value,
                patience=int(reduce.patience), factor=float(reduce.factor), min_lr=float(reduce.min_lr),
            )
        )
    return early, extra


class BestAcrossStages:
    """Issue 14: the best weights of the whole run by the monitored metric, whichever stage reached them.
    Each stage gets a callback (:meth:`for_stage`) that snapshots the full model's weights whenever the
    monitored value beats every earlier epoch of every stage; :meth:`restore` loads the snapshot."""

    def __init__(self, model: Any, callback_cfg: DictConfig) -> None:
        self.model = model  # the full model (a stage may fit only its head; the weights are shared)
        self.monitor = Monitor(callback_cfg.monitor).value
        self.better = np.less if Mode(callback_cfg.mode) is Mode.min else np.greater
        self.value: float | None = None
        self.stage: str | None = None
        self.epoch: int | None = None
        self.weights: list[np.ndarray] | None = None

    def for_stage(self, stage: str) -> keras.callbacks.Callback:
        def on_epoch_end(epoch: int, logs: dict[str, Any] | None = None) -> None:
            value = (logs or {}).get(self.monitor)
            if value is not None and (self.value is None or self.better(value, self.value)):
                self.value, self.stage, self.epoch = float(value), stage, epoch + 1
                self.weights = self.model.get_weights()

        return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)

    def restore(self) -> dict[str, Any] | None:
        if self.weights is None:
            return None
        self.model.set_weights(self.weights)
        return {"stage": self.stage, "epoch": self.epoch, self.monitor: self.value}

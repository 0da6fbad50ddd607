"""Early stopping and learning-rate reduction with the ``callback`` group's meaning (Keras's EarlyStopping
and ReduceLROnPlateau, as in the ProteinBERT family), and the training state a checkpoint carries.

Early stopping: an epoch improves when the monitored value is strictly better than the best so far;
training stops after ``patience`` epochs without improvement. Learning-rate reduction: after
``reduce_lr.patience`` epochs without an improvement of at least 1e-4 in ``reduce_lr.monitor``, the rate is
multiplied by ``factor`` (not below ``min_lr``). ``val_auc`` is maximised, ``val_loss`` minimised.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from protsweep.schema import BETTER, CallbackConfig, Mode, Monitor

PLATEAU_MIN_DELTA = 1e-4


def _better(mode: str, value: float, best: float | None, delta: float = 0.0) -> bool:
    if math.isnan(value):
        return False
    if best is None:
        return True
    return value < best - delta if mode == "min" else value > best + delta


def mode_of(monitor: str) -> str:
    return BETTER[Monitor(monitor)].value


@dataclass
class EarlyStopping:
    monitor: str
    mode: str
    patience: int
    best: float | None = None
    best_epoch: int = 0
    wait: int = 0

    def update(self, value: float, epoch: int) -> bool:
        if _better(self.mode, value, self.best):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return True
        self.wait += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.wait >= self.patience


@dataclass
class ReduceLrOnPlateau:
    monitor: str
    patience: int
    factor: float
    min_lr: float
    best: float | None = None
    wait: int = 0

    def step(self, value: float, optimizer: torch.optim.Optimizer) -> None:
        if _better(mode_of(self.monitor), value, self.best, PLATEAU_MIN_DELTA):
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            for group in optimizer.param_groups:
                group["lr"] = max(group["lr"] * self.factor, self.min_lr)
            self.wait = 0


@dataclass
class TrainState:
    stopper: EarlyStopping
    plateau: ReduceLrOnPlateau | None
    epoch: int = 0  # epochs completed
    history: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = False
    stop_reason: str | None = None

    @classmethod
    def fresh(cls, stopping: CallbackConfig) -> TrainState:
        stopper = EarlyStopping(Monitor(stopping.monitor).value, Mode(stopping.mode).value, int(stopping.patience))
        reduce = stopping.reduce_lr
        plateau = None
        if reduce is not None:
            plateau = ReduceLrOnPlateau(
                Monitor(reduce.monitor).value, int(reduce.patience), float(reduce.factor), float(reduce.min_lr)
            )
        return cls(stopper, plateau)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainState:
        plateau = ReduceLrOnPlateau(**raw["plateau"]) if raw.get("plateau") else None
        return cls(
            EarlyStopping(**raw["stopper"]),
            plateau,
            raw["epoch"],
            list(raw["history"]),
            raw["finished"],
            raw["stop_reason"],
        )

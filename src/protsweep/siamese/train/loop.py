"""The epoch loop: AdamW steps, validation, early stopping and learning-rate reduction with the
``callback`` group's meaning (Keras's EarlyStopping and ReduceLROnPlateau, as in the ProteinBERT family),
and a checkpoint after every epoch.

Early stopping: an epoch improves when the monitored value is strictly better than the best so far;
training stops after ``patience`` epochs without improvement. Learning-rate reduction: after
``reduce_lr.patience`` epochs without an improvement of at least 1e-4 in ``reduce_lr.monitor``, the rate is
multiplied by ``factor`` (not below ``min_lr``). ``val_auc`` is maximised, ``val_loss`` minimised.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig
from sklearn.metrics import roc_auc_score

from protsweep.schema import BETTER, Mode, Monitor
from protsweep.siamese.net.losses import LossFn
from protsweep.siamese.net.model import PairModel
from protsweep.siamese.train.batches import BatchBudget, PairTensors
from protsweep.siamese.train.checkpoint import CheckpointStore
from protsweep.siamese.train.memory import release_freed_memory
from protsweep.siamese.train.seeding import restore_rng_state, rng_state

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
    def fresh(cls, callback: DictConfig) -> TrainState:
        stopper = EarlyStopping(Monitor(callback.monitor).value, Mode(callback.mode).value, int(callback.patience))
        reduce = callback.get("reduce_lr")
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


@dataclass
class Evaluation:
    loss: float
    prob: np.ndarray  # in the split's row order
    raw: np.ndarray

    def auc(self, labels: np.ndarray) -> float:
        return float(roc_auc_score(labels.astype(int), self.prob))


@torch.no_grad()
def evaluate(
    model: PairModel,
    data: PairTensors,
    loss_fn: LossFn,
    batch_size: int,
    device: torch.device,
    budget: BatchBudget | None = None,
) -> Evaluation:
    model.eval()
    release = budget is not None and budget.releases_on(device)
    prob = np.zeros(len(data), dtype=np.float64)
    raw = np.zeros(len(data), dtype=np.float64)
    total = 0.0
    for batch in data.in_order(batch_size, device, budget):
        out = model(batch.xa, batch.ma, batch.xb, batch.mb)
        total += float(loss_fn(out, batch.labels)) * len(batch.index)
        raw[batch.index] = out.raw.double().cpu().numpy()
        prob[batch.index] = out.prob.double().cpu().numpy()
        if release:
            release_freed_memory()
    return Evaluation(total / max(len(data), 1), prob, raw)


def fit(
    model: PairModel,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    train: PairTensors,
    valid: PairTensors,
    cfg: DictConfig,
    device: torch.device,
    store: CheckpointStore,
    fingerprint: str,
    shuffle: torch.Generator,
    resume: dict[str, Any] | None = None,
    on_epoch_end: Sequence[Callable[[int], None]] = (),
    on_row: Sequence[Callable[[dict[str, Any]], None]] = (),
) -> TrainState:
    """Train until early stopping or ``trainer.epochs``; with ``resume`` (a ``last.pt`` payload), carry on
    where it left off. Ends with the best epoch's weights loaded when ``callback.restore_best``. ``on_row`` gets
    each epoch's history row as soon as it is known (history.csv, progress); ``on_epoch_end`` the epoch number
    after its checkpoint is written."""
    trainer = cfg.trainer
    state = TrainState.fresh(cfg.callback)
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        state = TrainState.from_dict(resume["state"])
        restore_rng_state(resume["rng"], shuffle)
    valid_labels = valid.labels.numpy()
    while not state.finished:
        epoch = state.epoch + 1
        lr = float(optimizer.param_groups[0]["lr"])
        train_loss = _train_epoch(model, optimizer, loss_fn, train, trainer, device, shuffle)
        val = evaluate(model, valid, loss_fn, int(trainer.eval_batch_size), device, BatchBudget.of(trainer))
        val_auc = val.auc(valid_labels)
        state.history.append(
            {
                "stage": "train",
                "epoch": epoch,
                "loss": train_loss,
                "val_loss": val.loss,
                "val_auc": val_auc,
                "lr": lr,
            }
        )
        for listen in on_row:
            listen(state.history[-1])
        values = {"val_loss": val.loss, "val_auc": val_auc}
        improved = state.stopper.update(values[state.stopper.monitor], epoch)
        if state.plateau is not None:
            state.plateau.step(values[state.plateau.monitor], optimizer)
        state.epoch = epoch
        if state.stopper.should_stop:
            state.finished, state.stop_reason = (
                True,
                f"early stop: no better {state.stopper.monitor} for {state.stopper.patience} epochs",
            )
        elif epoch >= int(trainer.epochs):
            state.finished, state.stop_reason = True, "trainer.epochs reached"
        if improved:
            store.save_best(model.state_dict(), epoch, values[state.stopper.monitor])
        store.save_last(
            {
                "fingerprint": fingerprint,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "state": state.as_dict(),
                "rng": rng_state(shuffle),
            }
        )
        for hook in on_epoch_end:  # after the checkpoint: tests interrupt a run here
            hook(epoch)
    if bool(cfg.callback.restore_best):
        best = store.load_best()
        if best is not None:
            model.load_state_dict(best["model"])
    return state


def _train_epoch(
    model: PairModel,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    train: PairTensors,
    trainer: DictConfig,
    device: torch.device,
    shuffle: torch.Generator,
) -> float:
    model.train()
    total, seen = 0.0, 0
    clip = trainer.grad_clip
    budget = BatchBudget.of(trainer)
    release = budget.releases_on(device)
    for index in train.shuffled_indices(int(trainer.batch_size), shuffle, bool(trainer.bucket_by_length)):
        optimizer.zero_grad(set_to_none=True)
        parts = train.split_by_budget(index, budget)
        batch_loss = 0.0
        for part in parts:  # one part unless the batch is past the budget: gradients accumulate
            batch = train.batch(part, device)
            loss = loss_fn(model(batch.xa, batch.ma, batch.xb, batch.mb), batch.labels)
            if len(parts) > 1:
                loss = loss * (len(part) / len(index))  # the mean over the whole batch, part by part
            loss.backward()
            batch_loss += float(loss.detach())
            del batch, loss  # this part's activations are free now: hand them back before the next part
            if release:
                release_freed_memory()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(clip))
        optimizer.step()
        total += batch_loss * len(index)
        seen += len(index)
    return total / max(seen, 1)

"""The Siamese trainer: AdamW steps, validation, early stopping and learning-rate reduction
(:mod:`.state`), and a checkpoint after every epoch. It announces its events to a
:class:`~protsweep.callbacks.CallbackHandler` (``on_epoch_end``, ``on_row``, ``on_checkpoint``,
``on_early_stop``); it reads no config: the runner hands it built objects and plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from protsweep.callbacks import CallbackHandler
from protsweep.schema import CallbackConfig
from protsweep.siamese.family import TRAIN_STAGE
from protsweep.siamese.net.losses import LossFn
from protsweep.siamese.train.batches import BatchBudget, PairTensors
from protsweep.siamese.train.checkpoint import CheckpointStore
from protsweep.siamese.train.memory import release_freed_memory
from protsweep.siamese.train.seeding import restore_rng_state, rng_state
from protsweep.siamese.train.state import TrainState

STAGE = TRAIN_STAGE  # the stage name of the training epochs (its owner: the family record)


@dataclass(frozen=True)
class TrainSettings:
    """The training values of the ``trainer`` group."""

    epochs: int = 1
    batch_size: int = 32
    eval_batch_size: int = 64
    grad_clip: float | None = None
    bucket_by_length: bool = True
    budget: BatchBudget = field(default_factory=BatchBudget)


@dataclass
class Evaluation:
    loss: float
    prob: np.ndarray  # in the split's row order
    raw: np.ndarray

    def auc(self, labels: np.ndarray) -> float:
        from sklearn.metrics import roc_auc_score  # deferred: predict's start-up computes no AUC

        return float(roc_auc_score(labels.astype(int), self.prob))


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
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


@dataclass
class Trainer:
    """Trains ``model`` until early stopping or ``settings.epochs``, writing ``last.pt`` (and ``best``) after
    every epoch; :meth:`fit` with ``resume`` (a ``last.pt`` payload) carries on where it left off."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: LossFn
    settings: TrainSettings
    stopping: CallbackConfig
    device: torch.device
    store: CheckpointStore
    fingerprint: str  # what a checkpoint must match to be resumed
    shuffle: torch.Generator
    callbacks: CallbackHandler = field(default_factory=CallbackHandler)

    def fit(self, train: PairTensors, valid: PairTensors, resume: dict[str, Any] | None = None) -> TrainState:
        """One stage, ``train``, announced to ``callbacks``; ends with the best epoch's weights loaded when
        ``stopping.restore_best``."""
        with self.callbacks.stage(STAGE):
            state = self._start(resume)
            valid_labels = valid.labels.numpy()
            while not state.finished:
                self._epoch(state, train, valid, valid_labels)
            if bool(self.stopping.restore_best):
                best = self.store.load_best()
                if best is not None:
                    self.model.load_state_dict(best["model"])
        return state

    def evaluate(self, data: PairTensors) -> Evaluation:
        return evaluate(
            self.model, data, self.loss_fn, self.settings.eval_batch_size, self.device, self.settings.budget
        )

    def _start(self, resume: dict[str, Any] | None) -> TrainState:
        if resume is None:
            return TrainState.fresh(self.stopping)
        self.model.load_state_dict(resume["model"])
        self.optimizer.load_state_dict(resume["optimizer"])
        restore_rng_state(resume["rng"], self.shuffle)
        return TrainState.from_dict(resume["state"])

    def _epoch(self, state: TrainState, train: PairTensors, valid: PairTensors, valid_labels: np.ndarray) -> None:
        epoch = state.epoch + 1
        lr = float(self.optimizer.param_groups[0]["lr"])
        train_loss = _train_epoch(self.model, self.optimizer, self.loss_fn, train, self.settings, self.device,
                                  self.shuffle)
        val = self.evaluate(valid)
        values = {"val_loss": val.loss, "val_auc": val.auc(valid_labels)}
        logs = {"loss": train_loss, **values, "lr": lr}
        state.history.append({"stage": STAGE, "epoch": epoch, **logs})
        self.callbacks.on_epoch_end(STAGE, epoch, logs)
        self.callbacks.on_row(state.history[-1])
        improved = state.stopper.update(values[state.stopper.monitor], epoch)
        if state.plateau is not None:
            state.plateau.step(values[state.plateau.monitor], self.optimizer)
        state.epoch = epoch
        stopped_early = state.stopper.should_stop
        if stopped_early:
            state.finished = True
            state.stop_reason = f"early stop: no better {state.stopper.monitor} for {state.stopper.patience} epochs"
        elif epoch >= self.settings.epochs:
            state.finished, state.stop_reason = True, "trainer.epochs reached"
        if improved:
            self.store.save_best(self.model.state_dict(), epoch, values[state.stopper.monitor])
        self.store.save_last(
            {
                "fingerprint": self.fingerprint,
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "state": state.as_dict(),
                "rng": rng_state(self.shuffle),
            }
        )
        self.callbacks.on_checkpoint(epoch)  # tests interrupt a run here
        if stopped_early:
            self.callbacks.on_early_stop(STAGE, epoch, str(state.stop_reason))


def _train_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    train: PairTensors,
    settings: TrainSettings,
    device: torch.device,
    shuffle: torch.Generator,
) -> float:
    model.train()
    total, seen = 0.0, 0
    budget = settings.budget
    release = budget.releases_on(device)
    for index in train.shuffled_indices(settings.batch_size, shuffle, settings.bucket_by_length):
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
        if settings.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(settings.grad_clip))
        optimizer.step()
        total += batch_loss * len(index)
        seen += len(index)
    return total / max(seen, 1)

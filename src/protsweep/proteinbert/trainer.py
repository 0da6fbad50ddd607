"""Staged fine-tuning of one length-dynamic model: each stage sets what is frozen, compiles a fresh
optimizer and trains; weights carry over from stage to stage (upstream recreates the model per stage
and copies them, to the same effect)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from omegaconf import DictConfig

from protsweep.proteinbert.batches import Augmenter, TrainingBatches, prediction_batches
from protsweep.proteinbert.callbacks import HistoryRows, ValidationMetrics, stopping_callbacks
from protsweep.proteinbert.model import set_backbone_trainable
from protsweep.proteinbert.stages import Stage


@dataclass
class StageResult:
    epochs_run: int
    best_epoch: int  # 1-based, within the stage: the epoch whose weights were kept
    truncated: int  # training sequences cut to the stage's seq_len


@dataclass
class FineTuner:
    model: Any  # from protsweep.proteinbert.model.build_model(..., seq_len=None)
    make_loss: Callable[[], Any]
    make_optimizer: Callable[..., Any]  # the optimizer group's partial: (lr=, model=) -> optimizer
    callback_cfg: DictConfig
    n_annotations: int
    padding: str = "bucket"
    eval_batch_size: int = 64
    verbose: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    extra_callbacks: list[Any] = field(default_factory=list)  # e.g. timers in benchmarks

    def predict(self, sequences: Sequence[str], seq_len: int) -> np.ndarray:
        """Probabilities for every sequence, none truncated: each is padded as in training."""
        data, order = prediction_batches(sequences, self.padding, seq_len, self.eval_batch_size, self.n_annotations)
        probs = np.empty(len(sequences), dtype=np.float64)
        if len(sequences):
            probs[order] = self.model.predict(data, verbose=0).reshape(-1)
        return probs

    def train_stage(
        self,
        stage: Stage,
        train_sequences: Sequence[str],
        train_labels: np.ndarray,
        valid_sequences: Sequence[str],
        valid_labels: np.ndarray,
        rng: np.random.Generator,
        augmenter: Augmenter | None = None,
        sample_weights: np.ndarray | None = None,
    ) -> StageResult:
        set_backbone_trainable(self.model, not stage.freeze_backbone)
        loss = self.make_loss()
        optimizer = self.make_optimizer(lr=stage.lr, model=self.model)
        self.model.compile(loss=loss, optimizer=optimizer)
        early, extra = stopping_callbacks(self.callback_cfg)
        callbacks = [
            ValidationMetrics(lambda: self.predict(valid_sequences, stage.seq_len), valid_labels, loss),
            early,
            *extra,
            HistoryRows(stage.name, self.history),
            *self.extra_callbacks,
        ]
        batches = TrainingBatches(
            train_sequences, train_labels, stage.seq_len, self.padding, stage.batch_size, self.n_annotations, rng,
            augmenter=augmenter, sample_weights=sample_weights,
        )
        fitted = self.model.fit(batches.dataset(), epochs=stage.epochs, callbacks=callbacks, verbose=self.verbose)
        epochs_run = len(fitted.history.get("loss", []))
        kept = early.best_epoch + 1 if early.restore_best_weights and early.best_weights is not None else epochs_run
        return StageResult(epochs_run=epochs_run, best_epoch=kept, truncated=batches.n_truncated)

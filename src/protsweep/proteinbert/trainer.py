"""Staged fine-tuning: one fresh Keras model per stage, weights carried over, as upstream does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from omegaconf import DictConfig

from protsweep.proteinbert.backbone import LegacyKerasPretrainingModelGenerator
from protsweep.proteinbert.batches import Augmenter, TrainingBatches
from protsweep.proteinbert.callbacks import HistoryRows, ValidationMetrics, stopping_callbacks
from protsweep.proteinbert.encoding import encode, fitting_seq_len
from protsweep.proteinbert.model import Architecture, build_model, head_layer_names
from protsweep.proteinbert.optimizers import build_optimizer
from protsweep.proteinbert.stages import Stage


@dataclass
class StageResult:
    epochs_run: int
    best_epoch: int  # 1-based, within the stage: the epoch whose weights were kept


@dataclass
class FineTuner:
    generator: LegacyKerasPretrainingModelGenerator
    architecture: Architecture
    make_loss: Callable[[], Any]
    optimizer_cfg: DictConfig
    callback_cfg: DictConfig
    n_annotations: int
    eval_batch_size: int = 64
    verbose: int = 0
    weights: list[np.ndarray] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def model_at(self, seq_len: int, freeze_backbone: bool = False) -> Any:
        model = build_model(self.generator, seq_len, self.architecture, freeze_backbone)
        if self.weights is not None:
            model.set_weights(self.weights)
        return model

    def predict(self, sequences: Sequence[str], model: Any = None) -> np.ndarray:
        """Probabilities at a seq_len that fits every sequence (nothing is truncated or dropped)."""
        if model is None or model.inputs[0].shape[1] < fitting_seq_len(sequences):
            model = self.model_at(fitting_seq_len(sequences))
        x = encode(list(sequences), int(model.inputs[0].shape[1]), self.n_annotations)
        return model.predict(x, batch_size=self.eval_batch_size, verbose=0).reshape(-1).astype(np.float64)

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
        model = self.model_at(stage.seq_len, stage.freeze_backbone)
        loss = self.make_loss()
        model.compile(loss=loss, optimizer=build_optimizer(self.optimizer_cfg, stage.lr, model, head_layer_names(model)))
        eval_len = max(stage.seq_len, fitting_seq_len(valid_sequences))
        eval_model = model if eval_len == stage.seq_len else build_model(
            self.generator, eval_len, self.architecture, freeze_backbone=False
        )
        valid_x = encode(list(valid_sequences), eval_len, self.n_annotations)

        def predict_valid() -> np.ndarray:
            if eval_model is not model:
                eval_model.set_weights(model.get_weights())
            return eval_model.predict(valid_x, batch_size=self.eval_batch_size, verbose=0).reshape(-1)

        early, extra = stopping_callbacks(self.callback_cfg)
        callbacks = [
            ValidationMetrics(predict_valid, valid_labels, loss), early, *extra, HistoryRows(stage.name, self.history),
        ]
        batches = TrainingBatches(
            train_sequences, train_labels, stage.seq_len, stage.batch_size, self.n_annotations, rng,
            augmenter=augmenter, sample_weights=sample_weights,
        )
        fitted = model.fit(batches.dataset(), epochs=stage.epochs, callbacks=callbacks, verbose=self.verbose, shuffle=False)
        self.weights = model.get_weights()
        epochs_run = len(fitted.history.get("loss", []))
        kept = early.best_epoch + 1 if early.restore_best_weights and early.best_weights is not None else epochs_run
        return StageResult(epochs_run=epochs_run, best_epoch=kept)

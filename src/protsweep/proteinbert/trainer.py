"""Staged fine-tuning of one length-dynamic model: each stage sets what is frozen, compiles a fresh
optimizer and trains; weights carry over from stage to stage (upstream recreates the model per stage
and copies them, to the same effect).

A frozen-backbone stage with fixed training inputs (no augmentation) trains the head on features the
backbone computed once (protsweep.proteinbert.feature_cache), unless ``cache_frozen`` is off.

The tuner reads no config: the runner hands it built objects and plain values (``stopping`` is the
``callback`` group as its schema's dataclass). It announces each stage and epoch to ``callbacks``
(:mod:`protsweep.callbacks`); its Keras callbacks stay inside (:class:`~.callbacks.KerasEvents`)."""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from protsweep.callbacks import CallbackHandler
from protsweep.proteinbert import feature_cache as fc
from protsweep.proteinbert.batches import Augmenter, TrainingBatches, prediction_batches
from protsweep.proteinbert.callbacks import (
    BestAcrossStages,
    FirstStepTimer,
    KerasEvents,
    ValidationMetrics,
    stopping_callbacks,
)
from protsweep.proteinbert.encoding import length_groups
from protsweep.proteinbert.model import set_backbone_trainable
from protsweep.proteinbert.shared_features import SharedFeatureStore, feature_identity
from protsweep.proteinbert.stages import Stage
from protsweep.schema import CallbackConfig

log = logging.getLogger(__name__)


@dataclass
class StageResult:
    epochs_run: int
    best_epoch: int  # 1-based, within the stage: the epoch whose weights were kept
    truncated: int  # training sequences cut to the stage's seq_len
    cached_features: bool = False  # the head trained on features the frozen backbone computed once
    first_step_seconds: float | None = None  # stage start to the end of its first training batch
    backbone_passes: int | None = None  # batches the frozen backbone ran to fill the feature cache (cached stages)
    shared_features: dict[str, Any] | None = None  # the sweep-level cache's counts (SharedFeatureStore.report)


@dataclass
class FineTuner:
    model: Any  # from protsweep.proteinbert.model.build_model(..., seq_len=None)
    make_loss: Callable[[], Any]
    make_optimizer: Callable[..., Any]  # the optimizer group's partial: (lr=, model=) -> optimizer
    n_annotations: int
    stopping: CallbackConfig = field(default_factory=CallbackConfig)  # early stopping, LR reduction, best weights
    padding: str = "bucket"
    eval_batch_size: int = 64
    verbose: int = 0
    cache_frozen: bool = True
    feature_memory_mb: float = 2048.0  # a feature cache larger than this goes to memory-mapped files
    spill_parent: Path | None = None  # where those files go (a run's folder); None: the system's temp folder
    shared_features: Path | None = None  # paths.cache_dir: frozen features shared by jobs on disk; None: per job
    history: list[dict[str, Any]] = field(default_factory=list)
    callbacks: CallbackHandler = field(default_factory=CallbackHandler)  # hear every stage and epoch
    _split: fc.SplitModel | None = None
    _store: SharedFeatureStore | None = None
    best: BestAcrossStages | None = None  # set when callback.best_across_stages is on

    def __post_init__(self) -> None:
        if self.stopping.best_across_stages:
            self.best = BestAcrossStages(self.model, self.stopping)

    def predict(self, sequences: Sequence[str], seq_len: int) -> np.ndarray:
        """Probabilities for every sequence, none truncated: each is padded as in training."""
        data, order = prediction_batches(sequences, self.padding, seq_len, self.eval_batch_size, self.n_annotations)
        probs = np.empty(len(sequences), dtype=np.float64)
        if len(sequences):
            probs[order] = self.model.predict(data, verbose=0).reshape(-1)
        return probs

    def split(self) -> fc.SplitModel:
        """The model cut between backbone and head (built once; the head model shares the head layers)."""
        if self._split is None:
            self._split = fc.split_model(self.model)
        return self._split

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
        """Train one stage, announced to ``callbacks`` (``on_stage_begin``, its epochs, ``on_stage_end``)."""
        with contextlib.ExitStack() as cleanup:  # a spilled feature cache is deleted when the stage ends
            cleanup.enter_context(self.callbacks.stage(stage.name))
            first_step = FirstStepTimer(since=time.perf_counter())
            set_backbone_trainable(self.model, not stage.freeze_backbone)
            batches = TrainingBatches(
                train_sequences, train_labels, stage.seq_len, self.padding, stage.batch_size, self.n_annotations, rng,
                augmenter=augmenter, sample_weights=sample_weights,
            )
            cached = stage.freeze_backbone and self.cache_frozen and augmenter is None
            if stage.freeze_backbone and self.cache_frozen and augmenter is not None:
                log.info("stage %s: online augmentation changes the inputs every epoch, so the frozen backbone runs "
                         "on every batch (no feature cache)", stage.name)
            tables: list[fc.FeatureTable] = []
            if cached:
                fit_model, dataset, predict_valid = self._cached_inputs(
                    stage, batches, valid_sequences, cleanup, tables
                )
            else:
                fit_model, dataset = self.model, batches.dataset()

                def predict_valid() -> np.ndarray:
                    return self.predict(valid_sequences, stage.seq_len)

            validation = ValidationMetrics(predict_valid, valid_labels, self.make_loss())
            fitted, early = self._fit(fit_model, dataset, stage, validation, first_step)
        epochs_run = len(fitted.history.get("loss", []))
        kept = early.best_epoch + 1 if early.restore_best_weights and early.best_weights is not None else epochs_run
        return StageResult(
            epochs_run, kept, batches.n_truncated, cached_features=cached, first_step_seconds=first_step.seconds,
            backbone_passes=sum(t.forward_passes for t in tables) if cached else None,
            shared_features=self._store.report() if cached and self._store is not None else None,
        )

    def _fit(
        self, fit_model: Any, dataset: Any, stage: Stage, validation: ValidationMetrics, first_step: FirstStepTimer
    ) -> tuple[Any, Any]:
        """Compile ``fit_model`` with a fresh optimizer at the stage's rate and train it: (history, the stage's
        early-stopping callback)."""
        loss = validation.loss
        optimizer = self.make_optimizer(lr=stage.lr, model=fit_model)
        fit_model.compile(loss=loss, optimizer=optimizer)
        # The optimizer's slot variables are made here, not inside fit's tf.function: a first call that creates
        # variables is traced twice, and one trace of full-size ProteinBERT's training step takes seconds.
        optimizer.build(fit_model.trainable_variables)
        early, extra = stopping_callbacks(self.stopping)
        events = CallbackHandler([*([self.best] if self.best is not None else []), self.callbacks])
        callbacks = [validation, early, *extra, KerasEvents(stage.name, self.history, events, early), first_step]
        fitted = fit_model.fit(dataset, epochs=stage.epochs, callbacks=callbacks, verbose=self.verbose)
        return fitted, early

    def _cached_inputs(
        self, stage: Stage, batches: TrainingBatches, valid_sequences: Sequence[str], cleanup: contextlib.ExitStack,
        tables: list[fc.FeatureTable],
    ) -> tuple[Any, Any, Callable[[], np.ndarray]]:
        split = self.split()
        self._store = None
        if self.shared_features is not None:
            identity = feature_identity(split.features, split.specs, self.n_annotations)
            self._store = SharedFeatureStore(self.shared_features, identity)
        args = (self.padding, stage.seq_len, self.eval_batch_size, self.n_annotations)
        sequences = {"train": batches.sequences, "valid": valid_sequences}
        groups = {name: length_groups(seqs, self.padding, stage.seq_len) for name, seqs in sequences.items()}
        planned = sum(fc.table_nbytes(split.specs, g) for g in groups.values())
        spill_dir = None
        if planned > self.feature_memory_mb * 1e6:
            if self.spill_parent is not None:
                self.spill_parent.mkdir(parents=True, exist_ok=True)
            spill_dir = Path(cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix=".feature-cache-", dir=self.spill_parent)
            ))
        train_table, valid_table = (
            fc.FeatureTable(split, seqs, *args, spill_dir=spill_dir and spill_dir / name, groups=groups[name],
                            store=self._store)
            for name, seqs in sequences.items()
        )
        tables += [train_table, valid_table]
        if self._store is not None:
            log.info("stage %s: frozen features shared on disk (%s): %d read, %d computed, %d corrupt recomputed; "
                     "%d backbone batches", stage.name, self._store.directory, self._store.hits,
                     self._store.written, self._store.corrupt, train_table.forward_passes + valid_table.forward_passes)
        where = f"memory-mapped from {spill_dir}" if spill_dir else "in memory"
        log.info("stage %s: frozen backbone, fixed inputs: the head trains on cached features (%.1f MB, %s; "
                 "trainer.feature_cache_memory_mb=%g)", stage.name, planned / 1e6, where, self.feature_memory_mb)

        def predict_valid() -> np.ndarray:
            return fc.predict_cached(split.head, valid_table, len(valid_sequences), self.eval_batch_size)

        return split.head, fc.CachedTrainingBatches(batches, train_table, split.specs).dataset(), predict_valid

    def restore_best_across_stages(self) -> dict[str, Any] | None:
        """With ``callback.best_across_stages``: load the best weights any stage reached (by the monitored
        metric) and say where they came from; None when the option is off."""
        return None if self.best is None else self.best.restore()

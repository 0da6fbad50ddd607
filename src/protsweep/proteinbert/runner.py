"""One ProteinBERT run: data -> staged fine-tuning -> predictions, metrics and history in the run record."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.utils import instantiate
from omegaconf import DictConfig

from protsweep.callbacks import CallbackHandler, TrainerCallback
from protsweep.config_objects import as_object
from protsweep.data.dataset import SplitData, load_split_data
from protsweep.errors import ConfigError
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.config import ClassWeight, Padding
from protsweep.proteinbert.encoding import length_groups, resolve_seq_len
from protsweep.proteinbert.losses import keras_loss
from protsweep.proteinbert.model import build_model
from protsweep.proteinbert.model_io import KerasModelIO, proteinbert_settings, warm_start
from protsweep.proteinbert.stages import Stage, plan_stages
from protsweep.proteinbert.tf_env import keras, tf
from protsweep.proteinbert.trainer import FineTuner, StageResult
from protsweep.record import PREDICTION_SPLITS, RunRecord, write_outputs
from protsweep.saved.store import finish_run
from protsweep.schema import CallbackConfig

log = logging.getLogger(__name__)


def seed_tensorflow(seed: int, deterministic: bool) -> None:
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)  # python, numpy and TF
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def training_weights(labels: np.ndarray, mode: ClassWeight) -> np.ndarray | None:
    """``balanced``: each class weighs n / (2 n_class), as sklearn's class_weight='balanced'."""
    if mode is ClassWeight.none:
        return None
    counts = np.bincount(labels, minlength=2)
    return (labels.size / (2.0 * counts))[labels]


def downsample_negatives(train: pd.DataFrame, ratio: float | None, rng: np.random.Generator) -> pd.DataFrame:
    """Keep every positive and at most ``ratio`` negatives per positive (training set only)."""
    if ratio is None:
        return train
    labels = train["label"].to_numpy()
    negatives = np.flatnonzero(labels == 0)
    keep_n = min(len(negatives), round(ratio * int(labels.sum())))
    kept = np.sort(np.concatenate([np.flatnonzero(labels == 1), rng.choice(negatives, keep_n, replace=False)]))
    return train.iloc[kept].reset_index(drop=True)


def train_and_evaluate(
    cfg: DictConfig, run_dir: Path, record: RunRecord, callbacks: Sequence[TrainerCallback] = ()
) -> None:
    """``callbacks`` hear the training events (:mod:`protsweep.callbacks`) after the record and its own."""
    if cfg.data.get("kind") in ("pairs", "complexes"):
        raise ConfigError(
            f"data={cfg.data.name} holds pairs; ProteinBERT classifies single sequences (use model=siamese)"
        )
    events = record.events(*callbacks)
    with events.stage("setup"):  # data and model: the fixed cost before the first training step
        make_loss = keras_loss(cfg.loss)
        seed_tensorflow(int(cfg.seed), bool(cfg.deterministic))
        rng = np.random.default_rng(int(cfg.seed))
        data = load_split_data(cfg.data)
        train = downsample_negatives(data.train, cfg.trainer.neg_downsample, rng)
        train_sequences = train["sequence"].tolist()
        seq_len = resolve_seq_len(cfg.trainer.seq_len, train_sequences)
        stages = plan_stages(cfg.trainer, seq_len)
        padding = Padding(cfg.trainer.padding).value
        record.update(data={**data.report, **_length_report(data, train, seq_len, padding)})

        backbone = load_backbone(cfg.model)
        record.update(pretrained=backbone.pretrained)
        model = build_model(backbone.generator, instantiate(cfg.features), instantiate(cfg.head))
        warm_start(model, cfg, record)  # trainer.init_from: a finished run's weights
        tuner = _build_tuner(cfg, model, make_loss, int(backbone.generator.n_annotations), padding, run_dir, events)
        augmenter = instantiate(cfg.augment)
        labels = train["label"].to_numpy()
        weights = training_weights(labels, ClassWeight(cfg.trainer.class_weight))
    stage_results: dict[str, Any] = {}
    for stage in stages:  # each stage is announced by the tuner (wall_seconds, history.csv, progress)
        log.info("stage %s: up to %d epochs, seq_len %d", stage.name, stage.epochs, stage.seq_len)
        result = tuner.train_stage(
            stage, train_sequences, labels, data.valid["sequence"].tolist(), data.valid["label"].to_numpy(), rng,
            augmenter=augmenter, sample_weights=weights,
        )
        stage_results[stage.name] = _stage_report(stage, result)
    best = tuner.restore_best_across_stages()
    if best is not None:
        log.info("best weights across stages: stage %s, epoch %d", best["stage"], best["epoch"])

    final_len = stages[-1].seq_len
    with events.stage("predict"):
        predictions = {s: tuner.predict(data.split(s)["sequence"].tolist(), final_len) for s in PREDICTION_SPLITS}
    _write_outputs(cfg, record, data, predictions, stage_results, best)
    settings = proteinbert_settings(final_len, padding, backbone.generator.n_annotations, cfg.trainer.eval_batch_size)
    finish_run(cfg, run_dir, record, KerasModelIO(model), settings)  # summary, curves.png, saved model


def _build_tuner(
    cfg: DictConfig, model: Any, make_loss: Callable[[], Any], n_annotations: int, padding: str, run_dir: Path,
    events: CallbackHandler,
) -> FineTuner:
    """The tuner of ``cfg.trainer``, ``cfg.optimizer`` and ``cfg.callback``, announcing to ``events``."""
    return FineTuner(
        model=model,
        make_loss=make_loss,
        make_optimizer=instantiate(cfg.optimizer),
        n_annotations=n_annotations,
        stopping=as_object(CallbackConfig, cfg.callback),
        padding=padding,
        eval_batch_size=int(cfg.trainer.eval_batch_size),
        verbose=int(cfg.trainer.verbose),
        cache_frozen=bool(cfg.trainer.cache_frozen),
        feature_memory_mb=float(cfg.trainer.feature_cache_memory_mb),
        spill_parent=run_dir,
        shared_features=Path(str(cfg.paths.cache_dir)),
        callbacks=events,
    )


def _stage_report(stage: Stage, result: StageResult) -> dict[str, Any]:
    return {"epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "seq_len": stage.seq_len,
            "truncated": result.truncated, "cached_features": result.cached_features,
            "first_step_seconds": result.first_step_seconds, "backbone_passes": result.backbone_passes,
            "shared_features": result.shared_features}


def _length_report(data: SplitData, train: pd.DataFrame, seq_len: int, padding: str) -> dict[str, Any]:
    room = seq_len - 2
    def groups(split: str) -> dict[str, int]:
        return {str(k): int(v.size) for k, v in length_groups(data.split(split)["sequence"], padding, seq_len).items()}

    return {
        "train_used": {"n": len(train), "pos": int(train["label"].sum())},
        "seq_len": seq_len,
        "padding": padding,
        "truncated": {"train": int((train["sequence"].str.len() > room).sum()), "valid": 0, "test": 0},
        "padded_lengths": {split: groups(split) for split in ("train", "valid", "test")},
    }


def _write_outputs(
    cfg: DictConfig,
    record: RunRecord,
    data: SplitData,
    raw: dict[str, np.ndarray],
    stage_results: dict[str, Any],
    best: dict[str, Any] | None = None,
) -> None:
    """``best``: where the best weights across stages came from (callback.best_across_stages), else the last
    stage's own best epoch is what the run ends with."""
    names = list(stage_results)
    last = names[-1]
    best_stage, best_in_stage = (best["stage"], best["epoch"]) if best else (last, stage_results[last]["best_epoch"])
    epochs_before = sum(stage_results[name]["epochs_run"] for name in names[: names.index(best_stage)])
    training = {
        "best_epoch": epochs_before + best_in_stage,
        "best_stage": best_stage,
        "epochs_run": sum(r["epochs_run"] for r in stage_results.values()),
        "stages": stage_results,
    }
    examples = {split: data.split(split) for split in PREDICTION_SPLITS}
    write_outputs(record, examples, raw, instantiate(cfg.calibration), training)

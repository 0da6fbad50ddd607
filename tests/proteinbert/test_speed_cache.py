"""Frozen-stage feature caching trains the head to the same predictions as running the frozen backbone on
every batch; augmentation turns it off (and says so); best weights across stages (issue 14)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hydra.utils import instantiate

from protsweep.callbacks import TrainerCallback
from protsweep.config_objects import as_object
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.encoding import length_groups
from protsweep.proteinbert.feature_cache import FeatureTable, split_model, table_nbytes
from protsweep.proteinbert.losses import keras_loss
from protsweep.proteinbert.model import build_model
from protsweep.proteinbert.stages import Stage
from protsweep.proteinbert.tf_env import keras
from protsweep.proteinbert.trainer import FineTuner
from protsweep.schema import CallbackConfig

from ..conftest import compose_config

AMINO = list("ACDEFGHIKLMNPQRSTVWY")


def sequences(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(AMINO, rng.integers(5, 30))) for _ in range(n)]
    labels = np.array([int(s.count("K") + s.count("R") > 2) for s in seqs])
    return seqs, labels


def tuner(overrides: list[str], cache: bool, **options: Any) -> tuple[FineTuner, Any]:
    cfg = compose_config("model=proteinbert_tiny", "head.dropout=0.0", *overrides)
    keras.utils.set_random_seed(0)
    generator = load_backbone(cfg.model).generator
    model = build_model(generator, instantiate(cfg.features), instantiate(cfg.head))
    return FineTuner(
        model=model, make_loss=keras_loss(cfg.loss), make_optimizer=instantiate(cfg.optimizer),
        stopping=as_object(CallbackConfig, cfg.callback), n_annotations=int(generator.n_annotations),
        eval_batch_size=16, cache_frozen=cache,
        **options,
    ), cfg


def train(
    overrides: list[str], cache: bool, stages: list[Stage], augmenter: Any = None, **options: Any
) -> tuple[FineTuner, list]:
    tune, _ = tuner(overrides, cache, **options)
    train_x, train_y = sequences(80, 1)
    valid_x, valid_y = sequences(30, 2)
    rng = np.random.default_rng(0)
    results = [tune.train_stage(s, train_x, train_y, valid_x, valid_y, rng, augmenter=augmenter) for s in stages]
    return tune, results


FROZEN = Stage("frozen", epochs=2, lr=1e-2, freeze_backbone=True, seq_len=24, batch_size=16)


@pytest.mark.parametrize("features", ["last", "layer_mix", "attention_pool"])
def test_cached_head_predicts_as_the_uncached_path(features: str) -> None:
    test_x, _ = sequences(40, 3)
    runs = {cache: train([f"features={features}"], cache, [FROZEN]) for cache in (False, True)}
    (plain, plain_results), (cached, cached_results) = runs[False], runs[True]
    assert cached_results[0].cached_features and not plain_results[0].cached_features
    before = tuner([f"features={features}"], False)[0].predict(test_x, 24)
    after = cached.predict(test_x, 24)  # the full model: the cached path trained its head layers
    assert np.abs(after - before).max() > 1e-3  # the head really trained
    np.testing.assert_allclose(after, plain.predict(test_x, 24), rtol=1e-4, atol=1e-5)
    for row_plain, row_cached in zip(plain.history, cached.history, strict=True):
        assert row_cached["loss"] == pytest.approx(row_plain["loss"], rel=1e-4)
        assert row_cached["val_loss"] == pytest.approx(row_plain["val_loss"], rel=1e-4)


class SpillWatcher(TrainerCallback):
    """Lists the spilled feature files while the head trains."""

    def __init__(self, parent: Path) -> None:
        self.parent = parent
        self.seen: list[str] = []

    def on_epoch_end(self, stage: str, epoch: int, logs: Any) -> None:
        self.seen = sorted(f"{p.parent.name}/{p.name}" for p in self.parent.glob(".feature-cache-*/*/*.npy"))


def test_large_feature_cache_is_memory_mapped_and_deleted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Above the memory budget the features live in .npy files in the run folder during the stage only, and
    the head trains to the in-memory cache's predictions."""
    test_x, _ = sequences(40, 3)
    overrides = ["features=attention_pool"]  # residue-level frontier: the large case
    in_memory, _ = train(overrides, True, [FROZEN])
    tune, _ = tuner(overrides, True, feature_memory_mb=0.0, spill_parent=tmp_path)
    watcher = SpillWatcher(tmp_path)
    tune.callbacks.add(watcher)
    train_x, train_y = sequences(80, 1)
    valid_x, valid_y = sequences(30, 2)
    with caplog.at_level(logging.INFO, logger="protsweep.proteinbert.trainer"):
        result = tune.train_stage(FROZEN, train_x, train_y, valid_x, valid_y, np.random.default_rng(0))
    assert result.cached_features and "memory-mapped" in caplog.text
    frontier = len(tune.split().specs)
    groups = {name.split("-")[0] for name in watcher.seen}  # table/padded length
    assert len(watcher.seen) == frontier * len(groups) and {g.split("/")[0] for g in groups} == {"train", "valid"}
    assert not list(tmp_path.glob(".feature-cache-*"))  # deleted when the stage ended
    np.testing.assert_allclose(tune.predict(test_x, 24), in_memory.predict(test_x, 24), rtol=1e-6, atol=1e-7)


def test_planned_feature_bytes_match_the_table() -> None:
    """The size that decides memory vs disk (from the specs, before computing) is what the table then holds."""
    tune, _ = tuner(["features=attention_pool"], True)
    split = tune.split()
    train_x, _ = sequences(50, 4)
    table = FeatureTable(split, train_x, "bucket", 24, 16, int(tune.n_annotations))
    assert table_nbytes(split.specs, length_groups(train_x, "bucket", 24)) == table.nbytes > 0


def test_frontier_is_what_the_head_reads() -> None:
    tune, _ = tuner(["features=attention_pool"], True)
    split = split_model(tune.model)
    names = sorted(t._keras_history.layer.name for t in split.features.outputs)
    assert names[0] == "input-seq"  # attention pooling reads the token ids (to mask PAD) and the residue states
    assert all(layer.name.startswith(("head-", "cached-")) for layer in split.head.layers)


def test_augmentation_keeps_the_uncached_path_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    def identity(seqs: list[str], rng: np.random.Generator) -> list[str]:
        return seqs

    with caplog.at_level(logging.INFO, logger="protsweep.proteinbert.trainer"):
        _, results = train([], True, [FROZEN], augmenter=identity)
    assert not results[0].cached_features
    assert "no feature cache" in caplog.text


@pytest.mark.parametrize("across", [False, True])
def test_best_weights_across_stages(across: bool) -> None:
    """A full stage at an absurd rate ruins the model: with the option, the run ends with the frozen stage's best."""
    full = Stage("full", epochs=2, lr=50.0, freeze_backbone=False, seq_len=24, batch_size=16)
    tune, _ = tuner([f"callback.best_across_stages={str(across).lower()}", "callback.reduce_lr=null"], True)
    train_x, train_y = sequences(80, 1)
    valid_x, valid_y = sequences(30, 2)
    rng = np.random.default_rng(0)
    tune.train_stage(FROZEN, train_x, train_y, valid_x, valid_y, rng)
    after_frozen = tune.predict(valid_x, 24)
    tune.train_stage(full, train_x, train_y, valid_x, valid_y, rng)
    best = tune.restore_best_across_stages()
    losses = {(row["stage"], row["epoch"]): row["val_loss"] for row in tune.history}
    assert min(losses, key=losses.get)[0] == "frozen"  # the premise: the frozen stage was the better one
    if not across:
        assert best is None
        assert np.abs(tune.predict(valid_x, 24) - after_frozen).max() > 1e-3
        return
    assert best is not None and best["stage"] == "frozen"
    assert best["val_loss"] == pytest.approx(min(losses.values()))
    assert best["epoch"] == min(losses, key=losses.get)[1]
    probs = tune.predict(valid_x, 24)  # the restored weights give the best epoch's val_loss again
    loss = float(keras.losses.BinaryCrossentropy()(valid_y[:, None].astype("float32"), probs[:, None]))
    assert loss == pytest.approx(losses[("frozen", best["epoch"])], rel=1e-4)

"""The fused optimizers take the same steps as their per-op references: LayerwiseAdam as the former
UnfusedLayerwiseAdam, FusedAdam (the baseline) as tf-keras' Adam."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pytest

from protsweep.proteinbert.layerwise_adam import FusedAdam, LayerwiseAdam, UnfusedLayerwiseAdam
from protsweep.proteinbert.tf_env import keras


def tiny_model() -> keras.Model:
    """Token embedding (sparse gradients) + dense 'backbone' and a two-layer 'head', fixed initial weights."""
    keras.utils.set_random_seed(0)
    tokens = keras.Input((6,), dtype="int32")
    hidden = keras.layers.Embedding(12, 8, name="backbone-embedding")(tokens)
    hidden = keras.layers.GlobalAveragePooling1D(name="backbone-pool")(hidden)
    hidden = keras.layers.Dense(16, activation="tanh", name="backbone-dense")(hidden)
    hidden = keras.layers.Dense(4, activation="tanh", name="head-hidden")(hidden)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head-output")(hidden)
    return keras.Model(tokens, outputs)


def layerwise(optimizer_class: type, model: keras.Model) -> keras.optimizers.Optimizer:
    head = [v.name for v in model.trainable_weights if v.name.startswith("head-")]
    return optimizer_class(learning_rate=1e-2, head_variable_names=head, backbone_multiplier=0.1)


def trained_weights(make_optimizer: Callable, steps: int, lr_drop: bool) -> list[np.ndarray]:
    model = tiny_model()
    optimizer = make_optimizer(model)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    rng = np.random.default_rng(1)
    x = rng.integers(0, 12, size=(64, 6)).astype("int32")
    y = (x[:, 0] > 5).astype("float32")
    for step in range(steps):
        if lr_drop and step == steps // 2:
            keras.backend.set_value(model.optimizer.learning_rate, 2.5e-3)  # what ReduceLROnPlateau does
        model.train_on_batch(x[step % 4 * 16 : (step % 4 + 1) * 16], y[step % 4 * 16 : (step % 4 + 1) * 16])
    return [w.numpy() for w in model.trainable_weights]


@pytest.mark.parametrize("lr_drop", [False, True])
def test_fused_updates_equal_unfused(lr_drop: bool) -> None:
    initial = [w.numpy() for w in tiny_model().trainable_weights]
    reference = trained_weights(partial(layerwise, UnfusedLayerwiseAdam), 8, lr_drop)
    fused = trained_weights(partial(layerwise, LayerwiseAdam), 8, lr_drop)
    assert_same_steps(initial, reference, fused)


@pytest.mark.parametrize("lr_drop", [False, True])
def test_fused_baseline_equals_keras_adam(lr_drop: bool) -> None:
    initial = [w.numpy() for w in tiny_model().trainable_weights]
    reference = trained_weights(lambda model: keras.optimizers.Adam(learning_rate=1e-2), 8, lr_drop)
    fused = trained_weights(lambda model: FusedAdam(learning_rate=1e-2), 8, lr_drop)
    assert_same_steps(initial, reference, fused)


def assert_same_steps(initial: list, reference: list, fused: list) -> None:
    for start, ref, got in zip(initial, reference, fused, strict=True):
        assert not np.allclose(ref, start)  # every variable moved, so the comparison means something
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_fused_keeps_layerwise_rates_and_serialises() -> None:
    model = tiny_model()
    head = [v.name for v in model.trainable_weights if v.name.startswith("head-")]
    optimizer = LayerwiseAdam(learning_rate=1e-3, head_variable_names=head, backbone_multiplier=1e-2)
    optimizer.build(model.trainable_weights)
    rates = {v.name: optimizer.multiplier(v) for v in model.trainable_weights}
    assert {rates[n] for n in head} == {1.0}
    assert {r for n, r in rates.items() if n not in head} == {1e-2}
    clone = LayerwiseAdam.from_config(optimizer.get_config())
    assert clone.head_variable_names == sorted(head) and clone.backbone_multiplier == 1e-2

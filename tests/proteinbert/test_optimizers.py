"""C2: layer-wise learning rates on the legacy Keras path. After one step, the backbone moves ~100x less."""

from __future__ import annotations

import numpy as np
import pytest
from hydra.utils import instantiate

from protsweep.errors import ConfigError
from protsweep.proteinbert.layerwise_adam import FusedAdam, LayerwiseAdam
from protsweep.proteinbert.model import set_backbone_trainable
from protsweep.proteinbert.optimizers import adam, layerwise_adam
from protsweep.proteinbert.tf_env import keras

from ..conftest import compose_config


def build_optimizer(name: str, lr: float, model: keras.Model) -> object:
    """The ``optimizer`` option as a stage builds it: the partial from the real config, called with lr and model."""
    return instantiate(compose_config(f"optimizer={name}").optimizer)(lr=lr, model=model)


def tiny_model() -> keras.Model:
    """A linear 'backbone' (no dead units: every weight gets a gradient) and a two-layer 'head'."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(16, name="backbone")(inputs)
    hidden = keras.layers.Dense(4, activation="tanh", name="head-hidden")(hidden)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head-output")(hidden)
    return keras.Model(inputs, outputs)


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def mean_steps(model: keras.Model, optimizer: object) -> tuple[float, float]:
    """Mean |Δw| of the backbone and of the head after one optimizer step taken by ``model.fit``."""
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    before = {w.name: w.numpy().copy() for w in model.trainable_weights}
    x, y = data()
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
    steps = {w.name: np.abs(w.numpy() - before[w.name]) for w in model.trainable_weights}
    backbone = np.concatenate([d.ravel() for n, d in steps.items() if n.startswith("backbone/")])
    head = np.concatenate([d.ravel() for n, d in steps.items() if n.startswith("head-")])
    return float(backbone.mean()), float(head.mean())


def test_backbone_moves_100x_less_than_head() -> None:
    model = tiny_model()
    optimizer = build_optimizer("layerwise", 1e-4, model)
    assert isinstance(optimizer, LayerwiseAdam)
    backbone, head = mean_steps(model, optimizer)
    assert backbone > 0
    assert 50 <= head / backbone <= 200
    # Adam's first step is ~lr per weight, so the absolute sizes are the configured rates
    assert head == pytest.approx(1e-3, rel=0.2)
    assert backbone == pytest.approx(1e-5, rel=0.2)


def test_plain_adam_moves_both_alike() -> None:
    model = tiny_model()
    optimizer = build_optimizer("adam", 1e-3, model)
    assert type(optimizer) is FusedAdam
    assert float(keras.backend.get_value(optimizer.learning_rate)) == pytest.approx(1e-3)
    backbone, head = mean_steps(model, optimizer)
    assert 0.5 <= head / backbone <= 2


def test_base_rate_scales_both_groups() -> None:
    """ReduceLROnPlateau sets ``optimizer.lr``; both groups follow and keep their ratio."""
    model = tiny_model()
    optimizer = build_optimizer("layerwise", 1e-4, model)
    keras.backend.set_value(optimizer.lr, 2.5e-4)  # what ReduceLROnPlateau(factor=0.25) does
    backbone, head = mean_steps(model, optimizer)
    assert head == pytest.approx(2.5e-4, rel=0.2)
    assert 50 <= head / backbone <= 200


def test_reduce_lr_on_plateau_reaches_the_optimizer() -> None:
    model = tiny_model()
    optimizer = build_optimizer("layerwise", 1e-4, model)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    x, y = data()
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", mode="max", patience=0, factor=0.25, min_lr=1e-6)
    # mode=max on a falling loss: epoch 1 sets the best, epoch 2 "does not improve" and lowers the rate once
    model.fit(x, y, batch_size=len(x), epochs=2, verbose=0, callbacks=[reduce])
    assert float(keras.backend.get_value(optimizer.lr)) == pytest.approx(1e-3 * 0.25)


def test_every_trainable_variable_is_classified() -> None:
    model = tiny_model()
    optimizer = build_optimizer("layerwise", 1e-4, model)
    mean_steps(model, optimizer)
    multipliers = {w.name: optimizer.multiplier(w) for w in model.trainable_weights}
    assert multipliers == {
        "backbone/kernel:0": 0.01,
        "backbone/bias:0": 0.01,
        "head-hidden/kernel:0": 1.0,
        "head-hidden/bias:0": 1.0,
        "head-output/kernel:0": 1.0,
        "head-output/bias:0": 1.0,
    }


def test_config_round_trip() -> None:
    model = tiny_model()
    optimizer = build_optimizer("layerwise", 1e-4, model)
    config = optimizer.get_config()
    assert config["backbone_multiplier"] == pytest.approx(0.01)
    assert sorted(config["head_variable_names"]) == sorted(w.name for w in model.trainable_weights if "head-" in w.name)
    clone = LayerwiseAdam.from_config(config)
    backbone, head = mean_steps(tiny_model(), clone)
    assert 50 <= head / backbone <= 200


def test_bad_configs_are_errors() -> None:
    with pytest.raises(ConfigError, match="head_lr > 0"):
        layerwise_adam(1e-4, tiny_model(), head_lr=0.0)
    backbone_only = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, name="backbone")])
    with pytest.raises(ConfigError, match="no head layers"):
        layerwise_adam(1e-4, backbone_only)


def one_step(optimizer_of: object, freeze_backbone: bool) -> dict[str, np.ndarray]:
    model = tiny_model()
    set_backbone_trainable(model, not freeze_backbone)
    model.compile(optimizer=optimizer_of(1e-2, model), loss="binary_crossentropy")
    x, y = data()
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
    return {w.name: w.numpy() for w in model.weights}


def test_c2_changes_only_the_rates_of_stages_where_the_backbone_trains() -> None:
    """The routes comparison is the baseline's stage plan with other rates: a frozen-backbone stage takes exactly
    the baseline's step; an unfrozen one moves the head by head_lr and the backbone by backbone_lr."""
    frozen_adam, frozen_layerwise = one_step(adam, True), one_step(layerwise_adam, True)
    assert frozen_adam.keys() == frozen_layerwise.keys()
    for name, value in frozen_adam.items():
        np.testing.assert_array_equal(frozen_layerwise[name], value, err_msg=name)
    model = tiny_model()
    backbone, head = mean_steps(model, layerwise_adam(1e-2, model, backbone_lr=1e-5, head_lr=1e-3))
    assert head == pytest.approx(1e-3, rel=0.2) and backbone == pytest.approx(1e-5, rel=0.2)

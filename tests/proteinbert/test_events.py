"""The Keras adapter: a Keras fit's epochs reach the callback protocol as history rows, epoch ends and an
early stop; the best weights across stages are kept by a protocol callback."""

from __future__ import annotations

from typing import Any

import numpy as np

from protsweep.callbacks import CallbackHandler
from protsweep.proteinbert.callbacks import BestAcrossStages, KerasEvents, stopping_callbacks
from protsweep.proteinbert.stages import Stage
from protsweep.proteinbert.tf_env import keras
from protsweep.schema import CallbackConfig, Mode, Monitor
from tests.test_callbacks import Log

from .test_model import ScriptedMetrics
from .test_speed_cache import sequences, tuner


def fit_with_events(aucs: list[float], epochs: int, *more: Any) -> tuple[Any, list[tuple[Any, ...]], list[dict]]:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    heard: list[tuple[Any, ...]] = []
    rows: list[dict] = []
    stopping = CallbackConfig(monitor=Monitor.val_auc, mode=Mode.max, patience=2, reduce_lr=None)
    early, extra = stopping_callbacks(stopping)
    events = CallbackHandler([*more, Log("test", heard)])
    scripted = ScriptedMetrics(aucs, [0.5] * len(aucs))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype(np.float32), rng.integers(0, 2, 32).astype(np.float32)
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0,
              callbacks=[scripted, early, *extra, KerasEvents("frozen", rows, events, early)])
    return scripted, heard, rows


def test_each_keras_epoch_is_a_row_and_an_epoch_end_then_the_early_stop() -> None:
    _, heard, rows = fit_with_events([0.6, 0.8, 0.7, 0.65, 0.9], epochs=5)
    assert [row["epoch"] for row in rows] == [1, 2, 3, 4]  # patience 2 after the best epoch (2nd)
    assert [row["val_auc"] for row in rows] == [0.6, 0.8, 0.7, 0.65]
    assert all(row["lr"] == np.float32(0.1) and row["stage"] == "frozen" for row in rows)
    expected = []
    for row in rows:
        expected += [("epoch_end", "frozen", row["epoch"]), ("row", row)]
    got = [event[1:4] if event[1] == "epoch_end" else event[1:] for event in heard[:-1]]
    assert got == expected
    assert heard[-1] == ("test", "early_stop", "frozen", 4, "early stop: no better val_auc for 2 epochs")


def test_no_early_stop_is_announced_when_every_epoch_runs() -> None:
    _, heard, rows = fit_with_events([0.6, 0.7, 0.8], epochs=3)
    assert len(rows) == 3 and not [event for event in heard if event[1] == "early_stop"]


def test_best_across_stages_keeps_the_best_weights_any_stage_announced() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    best = BestAcrossStages(model, CallbackConfig(monitor=Monitor.val_auc, mode=Mode.max))
    assert best.restore() is None
    for stage, epoch, auc in [("frozen", 1, 0.6), ("frozen", 2, 0.9), ("full", 1, 0.7), ("full", 2, 0.9)]:
        model.set_weights([np.full((1, 1), 10.0 * len(stage) + epoch), np.full(1, auc)])
        best.on_epoch_end(stage, epoch, {"val_auc": auc, "loss": 0.1})
    model.set_weights([np.zeros((1, 1)), np.zeros(1)])
    assert best.restore() == {"stage": "frozen", "epoch": 2, "val_auc": 0.9}  # a tie is no improvement
    assert model.get_weights()[0][0, 0] == 62.0 and model.get_weights()[1][0] == np.float32(0.9)


def test_the_tuner_announces_each_stage_around_its_epochs() -> None:
    heard: list[tuple[Any, ...]] = []
    tune, _ = tuner(["callback.reduce_lr=null"], True)
    tune.callbacks.add(Log("test", heard))
    stages = [Stage("frozen", 2, 1e-2, True, 24, 16), Stage("full", 1, 1e-3, False, 24, 16)]
    train_x, train_y = sequences(40, 1)
    valid_x, valid_y = sequences(20, 2)
    for stage in stages:
        tune.train_stage(stage, train_x, train_y, valid_x, valid_y, np.random.default_rng(0))
    kinds = [(event[1], event[2]) if event[1].startswith("stage") else event[1] for event in heard]
    assert kinds == [("stage_begin", "frozen"), "epoch_end", "row", "epoch_end", "row", ("stage_end", "frozen"),
                     ("stage_begin", "full"), "epoch_end", "row", ("stage_end", "full")]
    rows = [event[2] for event in heard if event[1] == "row"]
    assert rows == tune.history  # the rows heard are the tuner's history, in order
    assert [(row["stage"], row["epoch"]) for row in rows] == [("frozen", 1), ("frozen", 2), ("full", 1)]

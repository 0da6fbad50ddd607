"""Proof that the model-side routes are wired: A1 head graph, B1 concat / layer_mix, B2 attention pooling,
A2 focal loss, C3 label smoothing and C1 early stopping on the exact validation AUC."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hydra.utils import instantiate
from sklearn.metrics import roc_auc_score

from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.callbacks import ValidationMetrics, stopping_callbacks
from protsweep.proteinbert.encoding import END_TOKEN, PAD_TOKEN, START_TOKEN
from protsweep.proteinbert.layers import AttentionPooling, LayerMix
from protsweep.proteinbert.losses import keras_loss
from protsweep.proteinbert.model import build_model, head_layer_names
from protsweep.proteinbert.tf_env import keras, tf

from ..conftest import compose_config

SEQ_LEN = 32


def compose_cfg(overrides: list[str]) -> Any:
    return compose_config("model=proteinbert_tiny", *overrides)


@pytest.fixture(scope="module")
def tiny() -> Any:
    return compose_cfg([]).model


@pytest.fixture(scope="module")
def generator(tiny: Any) -> Any:
    return load_backbone(tiny).generator


def model_for(generator: Any, overrides: list[str]) -> Any:
    cfg = compose_cfg(overrides)
    features, head = instantiate(cfg.features), instantiate(cfg.head)
    return build_model(generator=generator, features=features, head=head, seq_len=None)  # what training builds


def inbound(layer: Any) -> list[str]:
    return [parent.name for node in layer._inbound_nodes for parent in tf.nest.flatten(node.inbound_layers)]


def head_input_width(model: Any) -> int:
    return int(model.get_layer("head-dropout").input.shape[-1])


# ------------------------------------------------------------------------------------------ A1
def test_two_layer_head_graph(generator: Any) -> None:
    model = model_for(generator, ["head=two_layer"])
    chain = ["head-dropout", "head-norm", "head-hidden", "head-hidden-dropout", "head-output"]
    assert head_layer_names(model) == set(chain)
    layers = [model.get_layer(name) for name in chain]
    assert [type(layer) for layer in layers] == [
        keras.layers.Dropout,
        keras.layers.LayerNormalization,
        keras.layers.Dense,
        keras.layers.Dropout,
        keras.layers.Dense,
    ]
    for parent, child in itertools.pairwise(chain):
        assert inbound(model.get_layer(child)) == [parent]  # one chain, in this order
    dropout, _, hidden, hidden_dropout, output = layers
    assert (dropout.rate, hidden.units, hidden_dropout.rate, output.units) == (0.5, 128, 0.3, 1)
    assert hidden.get_config()["activation"] == "relu" and output.get_config()["activation"] == "sigmoid"
    assert model.outputs[0] is output.output


def test_two_layer_head_is_configurable(generator: Any) -> None:
    model = model_for(generator, ["head=two_layer", "head.width=64", "head.hidden_dropout=0.1", "head.dropout=0.0"])
    assert model.get_layer("head-hidden").units == 64
    assert model.get_layer("head-hidden-dropout").rate == 0.1
    assert model.get_layer("head-dropout").rate == 0.0


def test_default_head_graph(generator: Any) -> None:
    model = model_for(generator, [])
    assert head_layer_names(model) == {"head-dropout", "head-output"}
    assert model.get_layer("head-dropout").rate == 0.5 and model.get_layer("head-output").units == 1


# ------------------------------------------------------------------------------------------ B1
def global_layer_widths(generator: Any) -> list[int]:
    """Every global (2-D) hidden layer of the backbone: the input dense, the two LayerNorms of each block and
    the annotation output - upstream's 'all-global-layers'."""
    backbone = generator.create_model(SEQ_LEN)
    return [
        int(layer.output.shape[-1])
        for layer in backbone.layers
        if len(layer.output.shape) == 2
        and (
            layer.name in ("dense-global-input", "output-annotations")
            or isinstance(layer, keras.layers.LayerNormalization)
        )
    ]


def test_concat_reads_all_global_layers(generator: Any, tiny: Any) -> None:
    widths = global_layer_widths(generator)
    assert len(widths) == 1 + 2 * tiny.n_blocks + 1
    expected = tiny.d_hidden_global * (1 + 2 * tiny.n_blocks) + tiny.n_annotations
    assert sum(widths) == expected
    assert head_input_width(model_for(generator, ["features=concat"])) == expected
    assert head_input_width(model_for(generator, ["features=last"])) == tiny.n_annotations  # upstream's head input


def test_layer_mix_weights_sum_to_one_and_learn(generator: Any, tiny: Any) -> None:
    model = model_for(generator, ["features=layer_mix"])
    mix = model.get_layer("head-layer-mix")
    assert isinstance(mix, LayerMix)
    n_layers = 1 + 2 * tiny.n_blocks  # the global hidden layers, all d_hidden_global wide
    assert len(inbound(mix)) == n_layers
    assert head_input_width(model) == tiny.d_hidden_global
    weights = mix.mixing_weights().numpy()
    assert weights.shape == (n_layers,)
    assert weights.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(weights, 1 / n_layers)  # starts as the plain mean

    rng = np.random.default_rng(0)
    tokens = rng.integers(3, 23, size=(8, SEQ_LEN)).astype(np.int32)
    x = [tokens, np.zeros((8, tiny.n_annotations), dtype=np.int8)]
    y = tf.constant([[0.0], [1.0]] * 4)
    with tf.GradientTape() as tape:
        loss = keras.losses.BinaryCrossentropy()(y, model(x, training=False))
    (grad,) = tape.gradient(loss, [mix.logits])
    assert grad is not None and np.abs(grad.numpy()).max() > 0
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    model.fit(x, y.numpy(), epochs=1, batch_size=8, verbose=0)
    after = mix.mixing_weights().numpy()
    assert not np.allclose(after, weights)
    assert after.sum() == pytest.approx(1.0, abs=1e-6)


# ------------------------------------------------------------------------------------------ B2
def test_attention_pooling_ignores_pad() -> None:
    rng = np.random.default_rng(0)
    pool = AttentionPooling([PAD_TOKEN])
    states = rng.normal(size=(2, 10, 4)).astype(np.float32)
    tokens = np.full((2, 10), 5, dtype=np.int32)
    tokens[0, 6:] = PAD_TOKEN
    tokens[1, 3:] = PAD_TOKEN
    pooled = pool([states, tokens]).numpy()
    noisy = states.copy()
    noisy[tokens == PAD_TOKEN] = rng.normal(scale=1e3, size=(int((tokens == PAD_TOKEN).sum()), 4))
    assert np.allclose(pool([noisy, tokens]).numpy(), pooled, atol=1e-6)
    # the reference: a softmax of the learned scores over the non-PAD residues only
    kernel = pool.score.kernel.numpy()[:, 0]
    for row, n in ((0, 6), (1, 3)):
        scores = states[row, :n] @ kernel
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        assert np.allclose(pooled[row], weights @ states[row, :n], atol=1e-5)


def test_attention_pooling_masks_start_and_end_by_default() -> None:
    """B2 pools residues only: <START>, <END> and PAD get zero weight (features.mask_special_tokens=true)."""
    rng = np.random.default_rng(1)
    masked = instantiate(compose_cfg(["features=attention_pool"]).features).masked_tokens()
    assert set(masked) == {PAD_TOKEN, START_TOKEN, END_TOKEN}
    pool = AttentionPooling(masked)
    tokens = np.array([[START_TOKEN, 5, 6, 7, END_TOKEN, PAD_TOKEN, PAD_TOKEN, PAD_TOKEN]], dtype=np.int32)
    states = rng.normal(size=(1, 8, 4)).astype(np.float32)
    pooled = pool([states, tokens]).numpy()[0]
    kernel = pool.score.kernel.numpy()[:, 0]
    scores = states[0, 1:4] @ kernel
    weights = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    assert np.allclose(pooled, weights @ states[0, 1:4], atol=1e-5)
    plain = instantiate(compose_cfg(["features=attention_pool", "features.mask_special_tokens=false"]).features)
    assert plain.masked_tokens() == [PAD_TOKEN]


def test_attention_pooling_is_wired_to_residues_and_tokens(generator: Any, tiny: Any) -> None:
    model = model_for(generator, ["features=attention_pool"])
    pool = model.get_layer("head-attention-pooling")
    assert isinstance(pool, AttentionPooling)
    sources = [model.get_layer(name) for name in inbound(pool)]
    assert isinstance(sources[0], keras.layers.LayerNormalization) and len(sources[0].output.shape) == 3
    assert sources[1].name == "input-seq" and sources[1].output is model.inputs[0]  # the token ids
    assert head_input_width(model) == tiny.d_hidden_seq
    assert "head-attention-pooling" in head_layer_names(model)  # the layer-wise optimizer's head group


# ------------------------------------------------------------------------------------------ A2 / C3
Y = np.array([1, 0, 1, 0, 1, 0], dtype=np.float32)
P = np.array([0.9, 0.2, 0.4, 0.7, 0.55, 0.05], dtype=np.float32)


def reference_focal(y: np.ndarray, p: np.ndarray, gamma: float, alpha: float) -> float:
    """Lin et al. for 0/1 targets: -α_t (1 - p_t)^γ log p_t, α for positives and 1 - α for negatives."""
    y, p = y.astype(np.float64), p.astype(np.float64)
    pos = alpha * y * (1 - p) ** gamma * np.log(p)
    neg = (1 - alpha) * (1 - y) * p**gamma * np.log(1 - p)
    return float(-(pos + neg).mean())


def loss_value(overrides: list[str], y: np.ndarray = Y) -> float:
    loss = keras_loss(compose_cfg(overrides).loss)()
    return float(loss(y[:, None], P[:, None]))


def test_focal_loss_matches_the_reference_formula() -> None:
    assert loss_value(["loss=focal"]) == pytest.approx(reference_focal(Y, P, 2.0, 0.25), rel=1e-5)
    assert loss_value(["loss=focal", "loss.gamma=1.0", "loss.alpha=0.6"]) == pytest.approx(
        reference_focal(Y, P, 1.0, 0.6), rel=1e-5
    )


def test_focal_alpha_takes_effect() -> None:
    a, b = loss_value(["loss=focal", "loss.alpha=0.25"]), loss_value(["loss=focal", "loss.alpha=0.75"])
    assert a != pytest.approx(b, rel=1e-3)
    # γ=0 and α=0.5 is half the binary cross-entropy
    half_bce = loss_value(["loss=focal", "loss.gamma=0.0", "loss.alpha=0.5"])
    assert half_bce == pytest.approx(0.5 * loss_value(["loss=bce"]), rel=1e-5)


@pytest.mark.parametrize("loss", ["bce", "focal"])
def test_label_smoothing_trains_on_epsilon_and_one_minus_epsilon(loss: str) -> None:
    eps = 0.05
    smoothed = loss_value([f"loss={loss}", f"loss.label_smoothing={eps}"])
    moved = Y * (1 - 2 * eps) + eps  # the plan's C3: 1 -> 0.95, 0 -> 0.05
    assert smoothed == pytest.approx(loss_value([f"loss={loss}"], y=moved), rel=1e-5)
    assert smoothed != pytest.approx(loss_value([f"loss={loss}"]), rel=1e-3)


def test_smoothed_bce_equals_the_hand_computed_value() -> None:
    t = np.where(Y == 1, 0.95, 0.05).astype(np.float64)
    p = P.astype(np.float64)
    by_hand = float(-(t * np.log(p) + (1 - t) * np.log(1 - p)).mean())
    assert loss_value(["loss=bce", "loss.label_smoothing=0.05"]) == pytest.approx(by_hand, rel=1e-5)


def test_smoothed_focal_equals_the_hand_computed_value() -> None:
    t = np.where(Y == 1, 0.95, 0.05).astype(np.float64)
    p = P.astype(np.float64)
    p_t = t * p + (1 - t) * (1 - p)
    alpha_t = t * 0.25 + (1 - t) * 0.75
    ce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    by_hand = float((alpha_t * (1 - p_t) ** 2 * ce).mean())
    assert loss_value(["loss=focal", "loss.label_smoothing=0.05"]) == pytest.approx(by_hand, rel=1e-5)


# ------------------------------------------------------------------------------------------ C1
class ScriptedMetrics(keras.callbacks.Callback):
    """Stands in for ValidationMetrics: writes known val_auc / val_loss, keeps every epoch's weights."""

    def __init__(self, aucs: list[float], losses: list[float]) -> None:
        super().__init__()
        self.aucs, self.losses, self.weights = aucs, losses, []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs["val_auc"], logs["val_loss"] = self.aucs[epoch], self.losses[epoch]
        self.weights.append([w.copy() for w in self.model.get_weights()])


def train_with(callback: str, aucs: list[float], losses: list[float], epochs: int) -> tuple[Any, ScriptedMetrics, Any]:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")  # weights move every epoch
    scripted = ScriptedMetrics(aucs, losses)
    early, extra = stopping_callbacks(compose_cfg([f"callback={callback}"]).callback)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype(np.float32), rng.integers(0, 2, 32).astype(np.float32)
    history = model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[scripted, early, *extra])
    return model, scripted, history


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def test_early_stop_auc_stops_and_restores_the_best_auc_epoch() -> None:
    aucs = [0.60, 0.80, 0.70, 0.65, 0.95, 0.97, 0.99, 0.99]
    losses = [0.70, 0.69, 0.60, 0.50, 0.40, 0.30, 0.20, 0.10]  # val_loss keeps improving: it would not stop
    model, scripted, history = train_with("early_stop_auc", aucs, losses, epochs=8)
    assert len(history.history["loss"]) == 4  # patience 2 after the best epoch (2nd)
    assert same_weights(model.get_weights(), scripted.weights[1])
    assert not same_weights(model.get_weights(), scripted.weights[-1])


def test_early_stop_auc_restores_the_best_epoch_without_an_early_stop() -> None:
    model, scripted, history = train_with("early_stop_auc", [0.6, 0.7, 0.9, 0.85], [0.5, 0.4, 0.3, 0.2], epochs=4)
    assert len(history.history["loss"]) == 4
    assert same_weights(model.get_weights(), scripted.weights[2])


def test_early_stop_loss_follows_val_loss_on_the_same_run() -> None:
    model, scripted, _ = train_with("early_stop_loss", [0.6, 0.7, 0.9, 0.85], [0.5, 0.4, 0.3, 0.2], epochs=4)
    assert same_weights(model.get_weights(), scripted.weights[3])


def test_validation_metrics_logs_the_exact_sklearn_auc() -> None:
    labels = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    probs = np.array([0.1, 0.8, 0.35, 0.4, 0.9, 0.2, 0.65, 0.6])
    loss = keras.losses.BinaryCrossentropy()
    logs: dict[str, Any] = {}
    ValidationMetrics(lambda: probs, labels, loss).on_epoch_end(0, logs)
    assert logs["val_auc"] == roc_auc_score(labels, probs)
    assert logs["val_loss"] == pytest.approx(float(loss(labels[:, None].astype(np.float32), probs[:, None])))

"""New layers between the backbone and the head: attention pooling over residues (B2) and a learnable
mix of the global layers (B1)."""

from __future__ import annotations

from typing import Any

from protsweep.proteinbert.tf_env import keras, tf


class AttentionPooling(keras.layers.Layer):
    """Scores each residue with a learned vector, masks PAD positions, softmaxes over the length and
    returns the weighted sum. Inputs: per-residue states ``(batch, length, d)`` and token ids ``(batch, length)``."""

    def __init__(self, pad_token: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad_token = pad_token
        self.score = keras.layers.Dense(1, use_bias=False, name="score")

    def call(self, inputs: list[Any]) -> Any:
        states, tokens = inputs
        scores = tf.squeeze(self.score(states), axis=-1)
        keep = tf.not_equal(tokens, self.pad_token)
        # -inf would give NaN for an all-PAD row; a large negative number gives exp() == 0.
        scores = tf.where(keep, scores, tf.fill(tf.shape(scores), tf.constant(-1e9, scores.dtype)))
        weights = tf.nn.softmax(scores, axis=-1)
        weights = weights * tf.cast(keep, weights.dtype)
        # PAD states are multiplied by exactly 0, so their values cannot leak in (even NaN-free garbage).
        masked_states = tf.where(keep[..., None], states, tf.zeros_like(states))
        return tf.reduce_sum(weights[..., None] * masked_states, axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pad_token": self.pad_token}


class LayerMix(keras.layers.Layer):
    """A learnable softmax-weighted sum of equally wide layer outputs; starts as their plain mean."""

    def build(self, input_shape: list[Any]) -> None:
        self.logits = self.add_weight(name="logits", shape=(len(input_shape),), initializer="zeros", trainable=True)
        super().build(input_shape)

    def mixing_weights(self) -> Any:
        return tf.nn.softmax(self.logits)

    def call(self, inputs: list[Any]) -> Any:
        stacked = tf.stack(inputs, axis=1)  # (batch, n_layers, d)
        return tf.einsum("l,bld->bd", self.mixing_weights(), stacked)

"""New layers between the backbone and the head: attention pooling over residues (B2) and a learnable
mix of the global layers (B1)."""

from __future__ import annotations

from typing import Any

from protsweep.proteinbert.tf_env import keras, tf


class AttentionPooling(keras.layers.Layer):
    """Scores each position with a learned vector, gives the ``masked_tokens`` (PAD, optionally <START>/<END>)
    zero weight, softmaxes over the length and returns the weighted sum. Inputs: per-residue states
    ``(batch, length, d)`` and token ids ``(batch, length)``."""

    def __init__(self, masked_tokens: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.masked_tokens = [int(t) for t in masked_tokens]
        self.score = keras.layers.Dense(1, use_bias=False, name="score")

    def call(self, inputs: list[Any]) -> Any:
        states, tokens = inputs
        scores = tf.squeeze(self.score(states), axis=-1)
        keep = tf.reduce_all(tf.stack([tf.not_equal(tokens, t) for t in self.masked_tokens], axis=-1), axis=-1)
        # -inf would give NaN for an all-PAD row; a large negative number gives exp() == 0.
        scores = tf.where(keep, scores, tf.fill(tf.shape(scores), tf.constant(-1e9, scores.dtype)))
        weights = tf.nn.softmax(scores, axis=-1)
        weights = weights * tf.cast(keep, weights.dtype)
        # masked states are multiplied by exactly 0, so their values cannot leak in (even NaN-free garbage).
        masked_states = tf.where(keep[..., None], states, tf.zeros_like(states))
        return tf.reduce_sum(weights[..., None] * masked_states, axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "masked_tokens": self.masked_tokens}


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

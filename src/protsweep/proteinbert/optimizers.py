"""Optimizers from the ``optimizer`` config group: plain Adam, or Adam with layer-wise learning rates (C2).

Layer-wise rates are applied inside Adam's update step, per variable. Scaling the *gradients* instead would
not work: Adam divides the first moment by the root of the second, so a constant gradient factor cancels
out and every group would still move at the base rate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from protsweep.errors import ConfigError
from protsweep.proteinbert.tf_env import keras, tf

log = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "layerwise")


@keras.utils.register_keras_serializable(package="protsweep")
class LayerwiseAdam(keras.optimizers.Adam):
    """Adam whose step size is ``learning_rate × multiplier``: ``head_multiplier`` for the variables named in
    ``head_variable_names``, ``backbone_multiplier`` for every other trainable variable.

    ``learning_rate`` stays a single variable, so ``ReduceLROnPlateau`` (which sets ``optimizer.lr``) scales
    both groups together and their ratio is kept. Variables are matched by name, so the optimizer survives
    ``get_config``/``from_config``; names must therefore be unique among the variables it trains.
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        head_variable_names: Iterable[str] = (),
        head_multiplier: float = 1.0,
        backbone_multiplier: float = 1e-2,
        name: str = "LayerwiseAdam",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.head_variable_names = sorted(set(head_variable_names))
        self.head_multiplier = float(head_multiplier)
        self.backbone_multiplier = float(backbone_multiplier)
        self._multipliers: dict[Any, float] = {}

    def build(self, var_list: list[Any]) -> None:
        super().build(var_list)
        names = [v.name for v in var_list]
        duplicated = sorted({n for n in names if names.count(n) > 1} & set(self.head_variable_names))
        if duplicated:
            raise ValueError(f"layer-wise learning rates match variables by name; not unique: {duplicated}")
        missing = sorted(set(self.head_variable_names) - set(names))
        if missing:
            raise ValueError(f"head variables not among the trainable variables: {missing}")
        head = set(self.head_variable_names)
        for var in var_list:
            scale = self.head_multiplier if var.name in head else self.backbone_multiplier
            self._multipliers[self._var_key(var)] = scale

    def multiplier(self, variable: Any) -> float:
        """The learning-rate multiplier of one trained variable (head or backbone)."""
        return self._multipliers[self._var_key(variable)]

    def update_step(self, gradient: Any, variable: Any) -> None:
        """Adam's update (tf_keras ``Adam.update_step``) with this variable's learning rate."""
        lr = tf.cast(self.learning_rate, variable.dtype) * tf.cast(self.multiplier(variable), variable.dtype)
        local_step = tf.cast(self.iterations + 1, variable.dtype)
        beta_1_power = tf.pow(tf.cast(self.beta_1, variable.dtype), local_step)
        beta_2_power = tf.pow(tf.cast(self.beta_2, variable.dtype), local_step)

        var_key = self._var_key(variable)
        m = self._momentums[self._index_dict[var_key]]
        v = self._velocities[self._index_dict[var_key]]

        alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        epsilon_hat = self.epsilon * tf.sqrt(1 - beta_2_power) if self.adaptive_epsilon else self.epsilon

        if isinstance(gradient, tf.IndexedSlices):
            m.assign_add(-m * (1 - self.beta_1))
            m.scatter_add(tf.IndexedSlices(gradient.values * (1 - self.beta_1), gradient.indices))
            v.assign_add(-v * (1 - self.beta_2))
            v.scatter_add(tf.IndexedSlices(tf.square(gradient.values) * (1 - self.beta_2), gradient.indices))
        else:
            m.assign_add((gradient - m) * (1 - self.beta_1))
            v.assign_add((tf.square(gradient) - v) * (1 - self.beta_2))
        if self.amsgrad:
            v_hat = self._velocity_hats[self._index_dict[var_key]]
            v_hat.assign(tf.maximum(v_hat, v))
            v = v_hat
        variable.assign_sub((m * alpha) / (tf.sqrt(v) + epsilon_hat))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "head_variable_names": list(self.head_variable_names),
            "head_multiplier": self.head_multiplier,
            "backbone_multiplier": self.backbone_multiplier,
        }


def head_variable_names(model: Any, head_layer_names: set[str]) -> list[str]:
    """Names of the trainable variables of the named layers (their sublayers included)."""
    by_name = {layer.name: layer for layer in model.layers}
    unknown = sorted(set(head_layer_names) - set(by_name))
    if unknown:
        raise ConfigError(f"layer-wise learning rates: no layer named {', '.join(unknown)} in the model")
    return [var.name for name in sorted(head_layer_names) for var in by_name[name].trainable_weights]


def build_optimizer(opt_cfg: Any, lr: float, model: Any, head_layer_names: set[str]) -> Any:
    """The optimizer for one training stage.

    ``adam``: ``Adam(learning_rate=lr)`` with the stage's rate. ``layerwise``: the rates are the config's own,
    ``opt_cfg.head_lr`` for the layers in ``head_layer_names`` and ``opt_cfg.backbone_lr`` for all others;
    the stage's ``lr`` is not used. The optimizer's base rate is the head rate (that is what history.csv
    logs and what ReduceLROnPlateau lowers, down to its ``min_lr``), and the backbone runs at the fixed
    fraction ``backbone_lr / head_lr`` of it.
    """
    name = str(opt_cfg.name)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=lr)
    if name == "layerwise":
        head_lr, backbone_lr = float(opt_cfg.head_lr), float(opt_cfg.backbone_lr)
        if head_lr <= 0 or backbone_lr < 0:
            raise ConfigError(
                f"optimizer=layerwise needs head_lr > 0 and backbone_lr >= 0, got {head_lr}, {backbone_lr}"
            )
        if not head_layer_names:
            raise ConfigError("optimizer=layerwise: the model has no head layers to give the head rate")
        names = head_variable_names(model, head_layer_names)
        log.info(
            "layer-wise Adam: %d head variable(s) at lr %g, %d other trainable variable(s) at lr %g",
            len(names),
            head_lr,
            len(model.trainable_weights) - len(names),
            backbone_lr,
        )
        return LayerwiseAdam(
            learning_rate=head_lr,
            head_variable_names=names,
            head_multiplier=1.0,
            backbone_multiplier=backbone_lr / head_lr,
        )
    raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not '{name}'")

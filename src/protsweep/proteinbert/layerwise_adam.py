"""Adam with fused updates (the baseline) and with layer-wise learning rates (C2), applied per variable.

Each variable's update is one fused kernel (``ResourceApplyAdam``, what legacy Keras Adam runs) at that
variable's rate, instead of the dozen element-wise ops of tf-keras' Adam: the arithmetic is Adam's
(``alpha = lr·sqrt(1-β2^t)/(1-β1^t)``, ``m += (g-m)(1-β1)``, ``v += (g²-v)(1-β2)``, ``w -= alpha·m/(sqrt(v)+ε)``),
so :class:`FusedAdam` equals tf-keras' Adam and :class:`LayerwiseAdam` equals :class:`UnfusedLayerwiseAdam` (the
former implementation, kept as the reference) to float tolerance (tests/proteinbert/test_speed_layerwise.py).
The baseline and C2 run the same kernel, so the two arms differ in their rates only; and the training step's
graph is smaller, so it traces faster (bench/bench_run_overhead.py, bench/bench_layerwise.py).

Scaling the *gradients* instead would not work: Adam divides the first moment by the root of the second, so a
constant gradient factor cancels out and every group would still move at the base rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protsweep.proteinbert.tf_env import keras, tf


def fused_adam_update(optimizer: Any, gradient: Any, variable: Any, multiplier: float) -> None:
    """One variable's Adam step as a single ``ResourceApplyAdam`` kernel, at ``learning_rate × multiplier``."""
    dtype = variable.dtype
    local_step = tf.cast(optimizer.iterations + 1, dtype)
    index = optimizer._index_dict[optimizer._var_key(variable)]
    if isinstance(gradient, tf.IndexedSlices):  # the token embedding: a dense update is Adam's update too
        gradient = tf.convert_to_tensor(gradient)
    tf.raw_ops.ResourceApplyAdam(
        var=variable.handle,
        m=optimizer._momentums[index].handle,
        v=optimizer._velocities[index].handle,
        beta1_power=tf.pow(tf.cast(optimizer.beta_1, dtype), local_step),
        beta2_power=tf.pow(tf.cast(optimizer.beta_2, dtype), local_step),
        lr=tf.cast(optimizer.learning_rate, dtype) * tf.cast(multiplier, dtype),
        beta1=tf.cast(optimizer.beta_1, dtype),
        beta2=tf.cast(optimizer.beta_2, dtype),
        epsilon=tf.cast(optimizer.epsilon, dtype),
        grad=gradient,
        use_locking=False,
    )


class FusedUpdates:
    """Mixin before a tf-keras Adam: each variable's update is one fused kernel at ``multiplier(variable)`` times
    the rate; amsgrad and adaptive_epsilon (which the kernel does not do) keep the element-wise update."""

    def update_step(self, gradient: Any, variable: Any) -> None:
        if self.amsgrad or self.adaptive_epsilon:
            super().update_step(gradient, variable)
        else:
            fused_adam_update(self, gradient, variable, self.multiplier(variable))


@keras.utils.register_keras_serializable(package="protsweep")
class FusedAdam(FusedUpdates, keras.optimizers.Adam):
    """tf-keras' Adam with each variable's update as one fused kernel (the baseline's optimizer)."""

    def __init__(self, *args: Any, name: str = "FusedAdam", **kwargs: Any) -> None:
        super().__init__(*args, name=name, **kwargs)

    def multiplier(self, variable: Any) -> float:
        return 1.0


@keras.utils.register_keras_serializable(package="protsweep")
class UnfusedLayerwiseAdam(keras.optimizers.Adam):
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
        name: str = "UnfusedLayerwiseAdam",
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


@keras.utils.register_keras_serializable(package="protsweep")
class LayerwiseAdam(FusedUpdates, UnfusedLayerwiseAdam):
    """:class:`UnfusedLayerwiseAdam` with each variable's update as one fused ``ResourceApplyAdam`` kernel."""

    def __init__(self, *args: Any, name: str = "LayerwiseAdam", **kwargs: Any) -> None:
        super().__init__(*args, name=name, **kwargs)

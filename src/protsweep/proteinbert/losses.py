"""Keras losses for the ``loss`` specs (one registry, keyed by the spec's type). Keras is imported when a loss
is built, so checking that a loss applies to ProteinBERT never loads TensorFlow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError
from protsweep.schema import BceLossConfig, FocalLossConfig, LossConfig


def keras_smoothing(epsilon: float) -> float:
    """Keras's ``label_smoothing=s`` gives targets y(1 - s) + s/2; protsweep's ε means targets {ε, 1 - ε}
    (the plan's C3), so Keras gets s = 2ε."""
    if not 0.0 <= epsilon < 0.5:
        raise ConfigError(f"loss.label_smoothing must lie in [0, 0.5), not {epsilon}")
    return 2.0 * epsilon


def bce(spec: BceLossConfig) -> Any:
    from protsweep.proteinbert.tf_env import keras

    return keras.losses.BinaryCrossentropy(label_smoothing=keras_smoothing(spec.label_smoothing), name="bce")


def focal(spec: FocalLossConfig) -> Any:
    """Focal loss (A2). Keras ignores ``alpha`` unless ``apply_class_balancing=True``: set here, so α takes effect."""
    from protsweep.proteinbert.tf_env import keras

    return keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=spec.alpha, gamma=spec.gamma,
        label_smoothing=keras_smoothing(spec.label_smoothing), name="focal",
    )


KERAS_LOSSES: dict[type[LossConfig], Callable[[Any], Any]] = {BceLossConfig: bce, FocalLossConfig: focal}


def keras_loss(loss_cfg: DictConfig | LossConfig) -> Callable[[], Any]:
    """A factory of the Keras loss for a ``loss`` spec (a fresh object per stage); refuses specs ProteinBERT
    has no loss for, before anything is built."""
    spec = OmegaConf.to_object(loss_cfg) if isinstance(loss_cfg, DictConfig) else loss_cfg
    builder = KERAS_LOSSES.get(type(spec))
    if builder is None:
        names = ", ".join(cls().name for cls in KERAS_LOSSES)
        raise ConfigError(f"loss={spec.name} does not apply to ProteinBERT (use one of {names})")
    keras_smoothing(getattr(spec, "label_smoothing", 0.0))
    return lambda: builder(spec)

"""Optimizers of the ``optimizer`` group: factories called once per training stage (``_partial_: true``),
with the stage's learning rate and the model. Keras is imported when one is called."""

from __future__ import annotations

import logging
from typing import Any

from protsweep.errors import ConfigError
from protsweep.proteinbert.features import head_layer_names

log = logging.getLogger(__name__)


def adam(lr: float, model: Any) -> Any:
    """Adam at the stage's learning rate (trainer.lr_frozen / lr_full / final_lr): tf-keras' Adam with fused
    per-variable updates, the kernel :func:`layerwise_adam` runs too."""
    from protsweep.proteinbert.layerwise_adam import FusedAdam

    log.info("optimizer: Adam, every trainable variable at lr %g", lr)
    return FusedAdam(learning_rate=lr)


def layerwise_adam(lr: float, model: Any, backbone_lr: float = 1e-5, head_lr: float = 1e-3) -> Any:
    """C2: in a stage where the backbone trains, the new layers (``head-*``) run at ``head_lr`` and the backbone at
    ``backbone_lr`` instead of the stage's single ``lr``; a frozen-backbone stage keeps the stage's rate, so the
    stage plan and everything else equal the baseline's and only the learning rates differ.

    The optimizer's base rate is the head rate (what history.csv logs and ReduceLROnPlateau lowers); the backbone
    runs at the fixed fraction ``backbone_lr / head_lr`` of it."""
    if head_lr <= 0 or backbone_lr < 0:
        raise ConfigError(f"optimizer=layerwise needs head_lr > 0 and backbone_lr >= 0, got {head_lr}, {backbone_lr}")
    names = head_variable_names(model, head_layer_names(model))
    n_backbone = len(model.trainable_weights) - len(names)
    if n_backbone == 0:
        return adam(lr, model)
    if not names:
        raise ConfigError("optimizer=layerwise: the model has no head layers to give the head rate")
    from protsweep.proteinbert.layerwise_adam import LayerwiseAdam

    log.info(
        "optimizer: layer-wise Adam, %d head variable(s) at lr %g, %d backbone variable(s) at lr %g",
        len(names), head_lr, n_backbone, backbone_lr,
    )
    return LayerwiseAdam(
        learning_rate=head_lr, head_variable_names=names, head_multiplier=1.0, backbone_multiplier=backbone_lr / head_lr
    )


def head_variable_names(model: Any, head_layer_names: set[str]) -> list[str]:
    """Names of the trainable variables of the named layers (their sublayers included)."""
    by_name = {layer.name: layer for layer in model.layers}
    unknown = sorted(set(head_layer_names) - set(by_name))
    if unknown:
        raise ConfigError(f"layer-wise learning rates: no layer named {', '.join(unknown)} in the model")
    return [var.name for name in sorted(head_layer_names) for var in by_name[name].trainable_weights]

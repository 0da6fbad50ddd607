"""The fine-tuning model: upstream backbone -> features (what the head reads) -> head."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protsweep.proteinbert.backbone import LegacyKerasPretrainingModelGenerator
from protsweep.proteinbert.features import head_layer_names, is_head_layer
from protsweep.proteinbert.tf_env import keras

__all__ = ["build_model", "head_layer_names", "is_head_layer", "set_backbone_trainable"]


def build_model(
    generator: LegacyKerasPretrainingModelGenerator,
    features: Callable[[Any], Any],
    head: Callable[[Any], Any],
    seq_len: int | None = None,
) -> Any:
    """A fresh (uncompiled) fine-tuning model whose backbone starts from the generator's weights.
    ``seq_len=None`` (what training uses) accepts any length; an int gives upstream's fixed graph."""
    backbone = generator.create_model(seq_len)
    output = head(features(backbone))
    return keras.Model(inputs=backbone.inputs, outputs=output, name="protsweep_finetune")


def set_backbone_trainable(model: Any, trainable: bool) -> None:
    """Freeze or unfreeze every pretrained layer; new (head-) layers always train. Recompile after."""
    for layer in model.layers:
        if not is_head_layer(layer):
            layer.trainable = trainable

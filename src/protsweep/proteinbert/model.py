"""The fine-tuning model: upstream backbone -> representation (repr, pool) -> head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protsweep.errors import ConfigError
from protsweep.proteinbert.backbone import LegacyKerasPretrainingModelGenerator
from protsweep.proteinbert.encoding import PAD_TOKEN
from protsweep.proteinbert.heads import HEAD_PREFIX
from protsweep.proteinbert.layers import AttentionPooling, LayerMix
from protsweep.proteinbert.tf_env import keras

from proteinbert.conv_and_global_attention_model import get_model_with_hidden_layers_as_outputs  # isort: skip

REPRESENTATIONS = ("last", "concat", "layer_mix")
POOLINGS = ("global", "attention")


@dataclass(frozen=True)
class Architecture:
    """Everything that shapes the fine-tuning graph. ``head`` is a callable from :mod:`heads`."""

    head: Any
    representation: str = "last"
    pooling: str = "global"

    def __post_init__(self) -> None:
        if self.representation not in REPRESENTATIONS:
            raise ConfigError(f"repr must be one of {', '.join(REPRESENTATIONS)}, not '{self.representation}'")
        if self.pooling not in POOLINGS:
            raise ConfigError(f"pool must be one of {', '.join(POOLINGS)}, not '{self.pooling}'")
        if self.pooling == "attention" and self.representation != "last":
            raise ConfigError(
                "pool=attention replaces the global representation with pooled residues; "
                f"it cannot be combined with repr={self.representation} (use repr=last)"
            )


def global_layer_outputs(backbone: Any) -> list[Any]:
    """The global hidden layers of width d_hidden_global (the input dense and every global LayerNorm),
    in depth order - upstream's selection for ``all-global-layers`` minus the 8943-wide annotation output."""
    return [
        layer.output
        for layer in backbone.layers
        if len(layer.output.shape) == 2
        and (layer.name == "dense-global-input" or isinstance(layer, keras.layers.LayerNormalization))
    ]


def last_residue_states(backbone: Any) -> Any:
    """The last per-residue hidden layer (the final sequence LayerNorm)."""
    norms = [
        layer.output
        for layer in backbone.layers
        if isinstance(layer, keras.layers.LayerNormalization) and len(layer.output.shape) == 3
    ]
    return norms[-1]


def head_input(backbone: Any, architecture: Architecture) -> Any:
    if architecture.pooling == "attention":
        tokens = backbone.inputs[0]
        pooling = AttentionPooling(PAD_TOKEN, name=f"{HEAD_PREFIX}attention-pooling")
        return pooling([last_residue_states(backbone), tokens])
    if architecture.representation == "last":
        return backbone.outputs[1]  # upstream: the annotations output (last global layer)
    if architecture.representation == "concat":
        return get_model_with_hidden_layers_as_outputs(backbone).outputs[1]  # 'all-global-layers'
    return LayerMix(name=f"{HEAD_PREFIX}layer-mix")(global_layer_outputs(backbone))


def build_model(
    generator: LegacyKerasPretrainingModelGenerator, architecture: Architecture, seq_len: int | None = None
) -> Any:
    """A fresh (uncompiled) fine-tuning model whose backbone starts from the generator's weights.
    ``seq_len=None`` (what training uses) accepts any length; an int gives upstream's fixed graph."""
    backbone = generator.create_model(seq_len)
    output = architecture.head(head_input(backbone, architecture))
    return keras.Model(inputs=backbone.inputs, outputs=output, name="protsweep_finetune")


def is_head_layer(layer: Any) -> bool:
    return layer.name.startswith(HEAD_PREFIX)


def head_layer_names(model: Any) -> set[str]:
    return {layer.name for layer in model.layers if is_head_layer(layer)}


def set_backbone_trainable(model: Any, trainable: bool) -> None:
    """Freeze or unfreeze every pretrained layer; new (head-) layers always train. Recompile after."""
    for layer in model.layers:
        if not is_head_layer(layer):
            layer.trainable = trainable

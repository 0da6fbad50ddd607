"""What the head reads (the ``features`` group): one choice, because representation and pooling are one
decision and some pairs of them never made sense. Each option is a callable ``backbone -> tensor``;
Keras is imported when it is called, so composing and checking configs never loads TensorFlow."""

from __future__ import annotations

from typing import Any

HEAD_PREFIX = "head-"  # every new layer's name starts with it (the layer-wise optimizer and freezing read it)


def is_head_layer(layer: Any) -> bool:
    return layer.name.startswith(HEAD_PREFIX)


def head_layer_names(model: Any) -> set[str]:
    return {layer.name for layer in model.layers if is_head_layer(layer)}


def global_layer_outputs(backbone: Any) -> list[Any]:
    """The global hidden layers of width d_hidden_global (the input dense and every global LayerNorm),
    in depth order - upstream's selection for ``all-global-layers`` minus the 8943-wide annotation output."""
    from protsweep.proteinbert.tf_env import keras

    return [
        layer.output
        for layer in backbone.layers
        if len(layer.output.shape) == 2
        and (layer.name == "dense-global-input" or isinstance(layer, keras.layers.LayerNormalization))
    ]


def last_residue_states(backbone: Any) -> Any:
    """The last per-residue hidden layer (the final sequence LayerNorm)."""
    from protsweep.proteinbert.tf_env import keras

    norms = [
        layer.output
        for layer in backbone.layers
        if isinstance(layer, keras.layers.LayerNormalization) and len(layer.output.shape) == 3
    ]
    return norms[-1]


class LastGlobal:
    """Upstream's choice: the last global layer (the annotations branch)."""

    def __call__(self, backbone: Any) -> Any:
        return backbone.outputs[1]


class ConcatGlobal:
    """B1: every global hidden layer concatenated (upstream's ``all-global-layers`` output)."""

    def __call__(self, backbone: Any) -> Any:
        from proteinbert.conv_and_global_attention_model import get_model_with_hidden_layers_as_outputs

        return get_model_with_hidden_layers_as_outputs(backbone).outputs[1]


class LayerMixGlobal:
    """B1: a learned softmax-weighted sum of the global hidden layers (weights start equal)."""

    def __call__(self, backbone: Any) -> Any:
        from protsweep.proteinbert.layers import LayerMix

        return LayerMix(name=f"{HEAD_PREFIX}layer-mix")(global_layer_outputs(backbone))


class AttentionPool:
    """B2: attention pooling over the last per-residue layer instead of the global branch. PAD positions
    never count; ``mask_special_tokens`` also gives <START> and <END> zero weight, so only residues are pooled."""

    def __init__(self, mask_special_tokens: bool = True) -> None:
        self.mask_special_tokens = mask_special_tokens

    def masked_tokens(self) -> list[int]:
        from protsweep.proteinbert.encoding import END_TOKEN, PAD_TOKEN, START_TOKEN

        return [PAD_TOKEN, START_TOKEN, END_TOKEN] if self.mask_special_tokens else [PAD_TOKEN]

    def __call__(self, backbone: Any) -> Any:
        from protsweep.proteinbert.layers import AttentionPooling

        pooling = AttentionPooling(self.masked_tokens(), name=f"{HEAD_PREFIX}attention-pooling")
        return pooling([last_residue_states(backbone), backbone.inputs[0]])

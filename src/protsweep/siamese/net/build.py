"""The builders of the Siamese networks: ``model`` config in, modules out (the networks themselves take
built modules and plain values). One registry from ``model.arch`` to the network class, its encoders and
how a split's examples become tensors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import torch
from omegaconf import DictConfig
from torch import nn

from protsweep.config_objects import as_object
from protsweep.schema import Distance
from protsweep.siamese.net.complex import ComplexEncoder, ComplexSiameseModel
from protsweep.siamese.net.complex_inputs import ComplexTensors
from protsweep.siamese.net.encoder import CnnTransformerEncoder
from protsweep.siamese.net.heads import ContrastiveHead, CrossAttentionHead
from protsweep.siamese.net.model import PairModel
from protsweep.siamese.schema import (
    Arch,
    ComplexConfig,
    CrossAttentionConfig,
    EncoderConfig,
    PairHead,
    SiameseModelConfig,
    choice,
)
from protsweep.siamese.train.batches import PairTensors

Part = TypeVar("Part")


@dataclass(frozen=True)
class NetworkSpec:
    """What the builders read of the ``model`` group, as plain objects."""

    arch: Arch
    encoder: EncoderConfig
    cross_attention: CrossAttentionConfig
    complex: ComplexConfig

    @classmethod
    def of(cls, model_cfg: DictConfig | SiameseModelConfig) -> NetworkSpec:
        """From the ``model`` node (parts a saved config lacks take their defaults)."""

        def part(schema: type[Part], key: str) -> Part:
            node = getattr(model_cfg, key, None)
            return schema() if node is None else as_object(schema, node)

        arch = choice(Arch, model_cfg.arch, "model.arch")
        return cls(arch, part(EncoderConfig, "encoder"), part(CrossAttentionConfig, "cross_attention"),
                   part(ComplexConfig, "complex"))


#: builds the encoders of one network: (d_in, the model settings) -> modules
EncodersOf = Callable[[int, NetworkSpec], list[nn.Module]]
#: a split's examples over the shared embeddings -> its tensors
TensorsOf = Callable[[pd.DataFrame, dict[str, torch.Tensor]], PairTensors]


def make_encoder(d_in: int, enc: EncoderConfig) -> CnnTransformerEncoder:
    """A residue encoder as ``model.encoder`` describes it."""
    return CnnTransformerEncoder(
        d_in,
        d_model=enc.d_model,
        cnn_layers=enc.cnn_layers,
        kernel_size=enc.kernel_size,
        transformer_layers=enc.transformer_layers,
        n_heads=enc.n_heads,
        ff_mult=enc.ff_mult,
        dropout=enc.dropout,
        attention_dropout=enc.attention_dropout,
    )


def make_head(model: NetworkSpec, head: PairHead, distance: Distance, margin: float) -> nn.Module:
    """The pair head over two encoded (B, L, d_model) inputs."""
    d_model, pooling = model.encoder.d_model, model.encoder.pooling
    if head is PairHead.contrastive:
        return ContrastiveHead(d_model, pooling, distance, float(margin))
    ca = model.cross_attention
    return CrossAttentionHead(d_model, pooling, ca.n_heads, ca.mlp_hidden, ca.dropout, ca.attention_dropout)


def pair_encoders(d_in: int, model: NetworkSpec) -> list[nn.Module]:
    """``siamese``: one encoder for both sequences; ``pseudo_siamese``: one per side."""
    n_encoders = 2 if model.arch is Arch.pseudo_siamese else 1
    return [make_encoder(d_in, model.encoder) for _ in range(n_encoders)]


def complex_encoders(d_in: int, model: NetworkSpec) -> list[nn.Module]:
    """One complex encoder (shared by both complexes) over one or two residue encoders."""
    cx = model.complex
    sides = [make_encoder(d_in, model.encoder) for _ in range(1 if cx.share_sides else 2)]
    return [ComplexEncoder(sides, model.encoder.d_model, cx.cross_layers, cx.n_heads, cx.dropout)]


#: model.arch -> (network class, its encoders, the split's tensors)
NETWORKS: dict[Arch, tuple[type[nn.Module], EncodersOf, TensorsOf]] = {
    Arch.siamese: (PairModel, pair_encoders, PairTensors),
    Arch.pseudo_siamese: (PairModel, pair_encoders, PairTensors),
    Arch.complex_siamese: (ComplexSiameseModel, complex_encoders, ComplexTensors),
}


def build_network(
    d_in: int,
    model_cfg: DictConfig | SiameseModelConfig,
    head: PairHead,
    distance: Distance = Distance.euclidean,
    margin: float = 1.0,
) -> nn.Module:
    """``model_cfg``: the ``model`` config node (or a :class:`SiameseModelConfig`). Encoders are built before
    the head, so a seed gives the same weights as it always did."""
    model = NetworkSpec.of(model_cfg)
    network, encoders_of, _ = NETWORKS[model.arch]
    encoders = encoders_of(d_in, model)
    return network(model.arch, encoders, make_head(model, head, distance, margin))


def split_tensors(
    model_cfg: DictConfig | SiameseModelConfig, frame: pd.DataFrame, embeddings: dict[str, torch.Tensor], train: bool
) -> PairTensors:
    """A split's examples over the shared embeddings. The training split fits ``target`` (the 0/1 label, or
    the soft value); valid and test keep the 0/1 ``label`` (validation loss, AUC, early stopping)."""
    _, _, tensors = NETWORKS[choice(Arch, model_cfg.arch, "model.arch")]
    if train and "target" in frame.columns:
        frame = frame.assign(label=frame["target"].astype(float))
    return tensors(frame, embeddings)

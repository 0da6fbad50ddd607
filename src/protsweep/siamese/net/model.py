"""The pair models: encoder(s) plus a pair head, one class per ``model.arch``.

``siamese``: one encoder encodes both sequences (shared weights). ``pseudo_siamese``: A and B have their
own encoders (e.g. ligand and receptor); the head is the same module in both cases, so the separate
arm has exactly twice the encoder parameters and the same head parameters. ``complex_siamese``
(:mod:`.complex`): one complex encoder shared by two (ligand, receptor) complexes, the same heads.

Every model takes ``(xa, ma, xb, mb)`` and returns a :class:`~.heads.PairOutput`; ``encoders`` and ``head``
are its parts (counted separately in run.json).
"""

from __future__ import annotations

import torch
from omegaconf import DictConfig
from torch import nn

from protsweep.schema import Distance
from protsweep.siamese.net.encoder import CnnTransformerEncoder
from protsweep.siamese.net.heads import ContrastiveHead, CrossAttentionHead, PairOutput
from protsweep.siamese.schema import Arch, PairHead, Pooling, choice


def make_encoder(d_in: int, enc: DictConfig) -> CnnTransformerEncoder:
    """A residue encoder as ``model.encoder`` describes it."""
    return CnnTransformerEncoder(
        d_in,
        int(enc.d_model),
        int(enc.cnn_layers),
        int(enc.kernel_size),
        int(enc.transformer_layers),
        int(enc.n_heads),
        int(enc.ff_mult),
        float(enc.dropout),
        float(enc.attention_dropout),
    )


def make_head(model_cfg: DictConfig, head: PairHead, distance: Distance, margin: float) -> nn.Module:
    """The pair head over two encoded (B, L, d_model) inputs."""
    d_model, pooling = int(model_cfg.encoder.d_model), choice(Pooling, model_cfg.encoder.pooling)
    if head is PairHead.contrastive:
        return ContrastiveHead(d_model, pooling, distance, float(margin))
    ca = model_cfg.cross_attention
    return CrossAttentionHead(
        d_model, pooling, int(ca.n_heads), int(ca.mlp_hidden), float(ca.dropout), float(ca.attention_dropout)
    )


class PairModel(nn.Module):
    def __init__(
        self,
        d_in: int,
        model_cfg: DictConfig,
        head: PairHead,
        distance: Distance = Distance.euclidean,
        margin: float = 1.0,
    ) -> None:
        super().__init__()
        self.arch = choice(Arch, model_cfg.arch)
        n_encoders = 2 if self.arch is Arch.pseudo_siamese else 1
        self.encoders = nn.ModuleList(make_encoder(d_in, model_cfg.encoder) for _ in range(n_encoders))
        self.head = make_head(model_cfg, head, distance, margin)
        self.head_kind = head

    def encode(self, side: int, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoders[min(side, len(self.encoders) - 1)](x, mask)

    def forward(self, xa: torch.Tensor, ma: torch.Tensor, xb: torch.Tensor, mb: torch.Tensor) -> PairOutput:
        return self.head(self.encode(0, xa, ma), ma, self.encode(1, xb, mb), mb)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())

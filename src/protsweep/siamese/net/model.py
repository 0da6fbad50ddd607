"""The pair model: encoder(s) plus a pair head.

``siamese``: one encoder encodes both sequences (shared weights). ``pseudo_siamese``: A and B have their
own encoders (e.g. ligand and receptor); the head is the same module in both cases, so the separate
arm has exactly twice the encoder parameters and the same head parameters.
"""

from __future__ import annotations

import torch
from omegaconf import DictConfig
from torch import nn

from protsweep.schema import Distance
from protsweep.siamese.net.encoder import CnnTransformerEncoder
from protsweep.siamese.net.heads import ContrastiveHead, CrossAttentionHead, PairOutput
from protsweep.siamese.schema import Arch, PairHead, Pooling, choice


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
        enc = model_cfg.encoder
        self.arch = choice(Arch, model_cfg.arch)
        pooling = choice(Pooling, enc.pooling)

        def encoder() -> CnnTransformerEncoder:
            return CnnTransformerEncoder(
                d_in,
                int(enc.d_model),
                int(enc.cnn_layers),
                int(enc.kernel_size),
                int(enc.transformer_layers),
                int(enc.n_heads),
                int(enc.ff_mult),
                float(enc.dropout),
            )

        n_encoders = 2 if self.arch is Arch.pseudo_siamese else 1
        self.encoders = nn.ModuleList(encoder() for _ in range(n_encoders))
        if head is PairHead.contrastive:
            self.head: nn.Module = ContrastiveHead(int(enc.d_model), pooling, distance, float(margin))
        else:
            ca = model_cfg.cross_attention
            self.head = CrossAttentionHead(
                int(enc.d_model), pooling, int(ca.n_heads), int(ca.mlp_hidden), float(ca.dropout)
            )
        self.head_kind = head

    def encode(self, side: int, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoders[min(side, len(self.encoders) - 1)](x, mask)

    def forward(self, xa: torch.Tensor, ma: torch.Tensor, xb: torch.Tensor, mb: torch.Tensor) -> PairOutput:
        return self.head(self.encode(0, xa, ma), ma, self.encode(1, xb, mb), mb)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())

"""Pair heads. Each maps the two encoded sequences to a raw score and a probability-like score for AUC.

``ContrastiveHead``: the distance between the two pooled, projected embeddings (label 1 = close). Its
score is ``2 ** (-2 d / margin)``: 1 at distance 0, 0.5 half way to the margin, a monotone map of the
distance, so AUC ranks pairs exactly by distance.

``CrossAttentionHead``: A attends to B and B attends to A (one attention module for both directions), each
side is pooled, and an MLP on ``[pa + pb, |pa - pb|, pa * pb]`` gives a logit. Both the features and the
distance are symmetric in (a, b), so with a shared encoder score(a, b) == score(b, a).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from protsweep.schema import Distance
from protsweep.siamese.net.encoder import masked_pool, pooled_width
from protsweep.siamese.schema import Pooling


class PairOutput(NamedTuple):
    raw: torch.Tensor  # (B,) distance (contrastive) or logit (cross-attention)
    prob: torch.Tensor  # (B,) in [0, 1], higher = more likely positive


def pair_distance(za: torch.Tensor, zb: torch.Tensor, distance: Distance) -> torch.Tensor:
    if distance is Distance.cosine:
        return 1.0 - F.cosine_similarity(za, zb, dim=-1, eps=1e-8)
    # sqrt with a small floor: the gradient stays finite for identical embeddings
    return torch.sqrt(((za - zb) ** 2).sum(dim=-1) + 1e-12)


def distance_score(distance: torch.Tensor, margin: float) -> torch.Tensor:
    return torch.exp2(-2.0 * distance / margin)


class ContrastiveHead(nn.Module):
    def __init__(self, d_model: int, pooling: Pooling, distance: Distance, margin: float) -> None:
        super().__init__()
        width = pooled_width(d_model, pooling)
        self.project = nn.Sequential(nn.Linear(width, width), nn.GELU(), nn.Linear(width, width))
        self.pooling = pooling
        self.distance = distance
        self.margin = margin

    def forward(self, ha: torch.Tensor, ma: torch.Tensor, hb: torch.Tensor, mb: torch.Tensor) -> PairOutput:
        za = self.project(masked_pool(ha, ma, self.pooling))
        zb = self.project(masked_pool(hb, mb, self.pooling))
        dist = pair_distance(za, zb, self.distance)
        return PairOutput(dist, distance_score(dist, self.margin))


class CrossAttentionHead(nn.Module):
    def __init__(
        self,
        d_model: int,
        pooling: Pooling,
        n_heads: int,
        mlp_hidden: int,
        dropout: float,
        attention_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.attend = nn.MultiheadAttention(d_model, n_heads, dropout=attention_dropout, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        width = pooled_width(d_model, pooling)
        self.mlp = nn.Sequential(
            nn.Linear(3 * width, mlp_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(mlp_hidden, 1)
        )
        self.pooling = pooling

    def _cross(self, q: torch.Tensor, q_mask: torch.Tensor, kv: torch.Tensor, kv_mask: torch.Tensor) -> torch.Tensor:
        attended, _ = self.attend(q, kv, kv, key_padding_mask=~kv_mask, need_weights=False)
        return self.norm(q + attended) * q_mask.unsqueeze(-1).to(q.dtype)

    def forward(self, ha: torch.Tensor, ma: torch.Tensor, hb: torch.Tensor, mb: torch.Tensor) -> PairOutput:
        pa = masked_pool(self._cross(ha, ma, hb, mb), ma, self.pooling)
        pb = masked_pool(self._cross(hb, mb, ha, ma), mb, self.pooling)
        logit = self.mlp(torch.cat([pa + pb, (pa - pb).abs(), pa * pb], dim=-1)).squeeze(-1)
        return PairOutput(logit, torch.sigmoid(logit))

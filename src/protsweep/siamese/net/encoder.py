"""Sequence encoder over per-residue embeddings: a 1D CNN (local patterns), then a Transformer encoder
(global context), then masked pooling.

Variable lengths are handled with masks, never with fixed-length padding. Padded positions are zeroed
before every convolution (so a convolution sees exactly the zeros its own boundary padding would give),
are hidden from attention by the key-padding mask, and never enter the pooling. Adding more padding to a
batch therefore leaves every output unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from protsweep.errors import ConfigError
from protsweep.siamese.schema import Pooling


def masked_pool(states: torch.Tensor, mask: torch.Tensor, pooling: Pooling) -> torch.Tensor:
    """(B, L, d) states and a (B, L) mask (True = residue) -> (B, d) or (B, 2d) for mean_max."""
    keep = mask.unsqueeze(-1)
    parts = []
    if pooling in (Pooling.mean, Pooling.mean_max):
        total = (states * keep).sum(dim=1)
        parts.append(total / keep.sum(dim=1).clamp(min=1))
    if pooling in (Pooling.max, Pooling.mean_max):
        parts.append(states.masked_fill(~keep, float("-inf")).amax(dim=1))
    return torch.cat(parts, dim=-1)


def pooled_width(d_model: int, pooling: Pooling) -> int:
    return 2 * d_model if pooling is Pooling.mean_max else d_model


class ConvBlock(nn.Module):
    """Residual Conv1d -> GELU -> dropout, then LayerNorm, with padded positions re-zeroed."""

    def __init__(self, d_model: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(d_model, d_model, kernel_size, padding=kernel_size // 2)
        self.act = nn.GELU()
        self.drop = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        local = self.conv((x * keep).transpose(1, 2)).transpose(1, 2)
        return self.norm(x + self.drop(self.act(local))) * keep


class CnnTransformerEncoder(nn.Module):
    def __init__(
        self,
        d_in: int,
        d_model: int = 128,
        cnn_layers: int = 2,
        kernel_size: int = 9,
        transformer_layers: int = 2,
        n_heads: int = 4,
        ff_mult: int = 2,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if kernel_size % 2 == 0:
            raise ConfigError(f"model.encoder.kernel_size must be odd (same-length convolution), not {kernel_size}")
        if d_model % n_heads:
            raise ConfigError(f"model.encoder.d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.project = nn.Linear(d_in, d_model)
        self.convs = nn.ModuleList(ConvBlock(d_model, kernel_size, dropout) for _ in range(cnn_layers))
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=ff_mult * d_model,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        # ``dropout`` stays on the residual and feed-forward paths; the attention probabilities get their own
        # rate, and at 0 the fused attention kernel runs (memory linear in the length, not quadratic)
        layer.self_attn.dropout = attention_dropout
        self.transformer = (
            nn.TransformerEncoder(layer, transformer_layers, enable_nested_tensor=False)
            if transformer_layers > 0
            else None
        )
        self.d_model = d_model

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, L, d_in) embeddings, (B, L) mask -> (B, L, d_model) states, zero at padded positions."""
        keep = mask.unsqueeze(-1).to(x.dtype)
        states = self.project(x) * keep
        for block in self.convs:
            states = block(states, keep)
        if self.transformer is not None:
            states = self.transformer(states, src_key_padding_mask=~mask) * keep
        return states

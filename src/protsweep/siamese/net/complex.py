"""``model.arch=complex_siamese``: are two (ligand, receptor) complexes docked alike?

One complex encoder, shared by both complexes (Siamese): the ligand and the receptor each go through a
residue encoder (``model.encoder``; the two sides share one with ``model.complex.share_sides``), then
``model.complex.cross_layers`` rounds of cross-attention, the ligand attending to the receptor and the
receptor to the ligand. The complex is the ligand's and the receptor's states side by side, each with a
learned role embedding. The family's pair heads then compare the two complexes as they compare two
sequences: the distance head (``loss=contrastive``) or cross-attention between the complexes (bce/focal).
Both heads are symmetric, so score(c1, c2) == score(c2, c1).

A complex travels as one packed tensor with *segment ids* (as BERT's token types): the ligand block padded
to the batch's longest ligand, then the receptor block; ids 1 = ligand residue, 2 = receptor residue,
0 = padding. So the model keeps the family's ``(xa, ma, xb, mb)`` call, with ``ma``/``mb`` segment ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from protsweep.errors import ConfigError
from protsweep.siamese.net.heads import PairOutput
from protsweep.siamese.schema import Arch

PAD, LIGAND, RECEPTOR = 0, 1, 2


def pack_complex(
    ligand: torch.Tensor, ligand_mask: torch.Tensor, receptor: torch.Tensor, receptor_mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, Ll, d), (B, Ll), (B, Lr, d), (B, Lr) -> (B, Ll + Lr, d) and (B, Ll + Lr) int8 segment ids."""
    segments = torch.cat([ligand_mask.to(torch.int8) * LIGAND, receptor_mask.to(torch.int8) * RECEPTOR], dim=1)
    return torch.cat([ligand, receptor], dim=1), segments


def unpack_complex(
    x: torch.Tensor, segments: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inverse of :func:`pack_complex`: the receptor block starts at the first column any row marks receptor
    (every receptor has a residue)."""
    boundary = int(torch.nonzero((segments == RECEPTOR).any(dim=0))[0, 0])
    return x[:, :boundary], segments[:, :boundary] == LIGAND, x[:, boundary:], segments[:, boundary:] == RECEPTOR


class CrossBlock(nn.Module):
    """``q`` attends to ``kv`` (padded keys hidden); residual, LayerNorm, padded queries re-zeroed."""

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.attend = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, q: torch.Tensor, q_mask: torch.Tensor, kv: torch.Tensor, kv_mask: torch.Tensor) -> torch.Tensor:
        attended, _ = self.attend(q, kv, kv, key_padding_mask=~kv_mask, need_weights=False)
        return self.norm(q + attended) * q_mask.unsqueeze(-1).to(q.dtype)


class ComplexEncoder(nn.Module):
    """A packed complex -> its residue states (B, Ll + Lr, d_model) and mask (True = residue). ``sides``: one
    residue encoder shared by ligand and receptor, or one each."""

    def __init__(
        self, sides: Sequence[nn.Module], d_model: int, cross_layers: int, n_heads: int, dropout: float
    ) -> None:
        super().__init__()
        if cross_layers < 0 or d_model % n_heads:
            raise ConfigError(
                f"model.complex: cross_layers must be >= 0 and d_model ({d_model}) a multiple of n_heads ({n_heads})"
            )
        self.sides: nn.ModuleList = nn.ModuleList(sides)
        layers = range(cross_layers)
        self.ligand_to_receptor = nn.ModuleList(CrossBlock(d_model, n_heads, dropout) for _ in layers)
        self.receptor_to_ligand = nn.ModuleList(CrossBlock(d_model, n_heads, dropout) for _ in layers)
        self.role = nn.Embedding(RECEPTOR + 1, d_model, padding_idx=PAD)

    def side(self, index: int) -> nn.Module:
        return self.sides[min(index, len(self.sides) - 1)]

    def forward(self, x: torch.Tensor, segments: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xl, ml, xr, mr = unpack_complex(x, segments)
        hl, hr = self.side(0)(xl, ml), self.side(1)(xr, mr)
        for to_receptor, to_ligand in zip(self.ligand_to_receptor, self.receptor_to_ligand, strict=True):
            hl, hr = to_receptor(hl, ml, hr, mr), to_ligand(hr, mr, hl, ml)
        states = torch.cat([hl, hr], dim=1) + self.role(segments.long())
        return states, segments != PAD


class ComplexSiameseModel(nn.Module):
    """``encoders``: one :class:`ComplexEncoder`, shared by both complexes; ``head``: a pair head."""

    def __init__(self, arch: Arch, encoders: Sequence[nn.Module], head: nn.Module) -> None:
        super().__init__()
        self.arch = arch
        self.encoders = nn.ModuleList(encoders)
        self.head = head

    def forward(self, xa: torch.Tensor, sa: torch.Tensor, xb: torch.Tensor, sb: torch.Tensor) -> PairOutput:
        """Two packed complexes (segment ids ``sa``, ``sb``) -> the pair output."""
        ha, ma = self.encoders[0](xa, sa)
        hb, mb = self.encoders[0](xb, sb)
        return self.head(ha, ma, hb, mb)

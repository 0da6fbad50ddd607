"""The pair models: encoder(s) plus a pair head, one class per ``model.arch``.

``siamese``: one encoder encodes both sequences (shared weights). ``pseudo_siamese``: A and B have their
own encoders (e.g. ligand and receptor); the head is the same module in both cases, so the separate
arm has exactly twice the encoder parameters and the same head parameters. ``complex_siamese``
(:mod:`.complex`): one complex encoder shared by two (ligand, receptor) complexes, the same heads.

Every model takes ``(xa, ma, xb, mb)`` and returns a :class:`~.heads.PairOutput`; ``encoders`` and ``head``
are its parts (counted separately in run.json).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from protsweep.siamese.net.heads import PairOutput
from protsweep.siamese.schema import Arch


class PairModel(nn.Module):
    """``encoders``: one (shared by both sides) or two (A, B); ``head``: the pair head over their states.
    Built by :func:`protsweep.siamese.net.build.build_network`."""

    def __init__(self, arch: Arch, encoders: Sequence[nn.Module], head: nn.Module) -> None:
        super().__init__()
        self.arch = arch
        self.encoders = nn.ModuleList(encoders)
        self.head = head

    def encode(self, side: int, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoders[min(side, len(self.encoders) - 1)](x, mask)

    def forward(self, xa: torch.Tensor, ma: torch.Tensor, xb: torch.Tensor, mb: torch.Tensor) -> PairOutput:
        return self.head(self.encode(0, xa, ma), ma, self.encode(1, xb, mb), mb)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())

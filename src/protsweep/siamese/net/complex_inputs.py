"""Pairs of complexes as padded batches: each complex packed with segment ids (:func:`.complex.pack_complex`).

:class:`ComplexTensors` is a :class:`~protsweep.siamese.train.batches.PairTensors` (same shuffling,
length bucketing and evaluation order) whose batches hold two packed complexes instead of two sequences.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from protsweep.siamese.net.complex import pack_complex
from protsweep.siamese.train.batches import PairBatch, PairTensors


class ComplexTensors(PairTensors):
    """One split's pairs of complexes (columns ``ligand_a, receptor_a, ligand_b, receptor_b, label``)."""

    def __init__(self, frame: pd.DataFrame, embeddings: dict[str, torch.Tensor]) -> None:
        first = frame.assign(seq_a=frame["ligand_a"], seq_b=frame["receptor_a"])
        super().__init__(first, embeddings)  # labels and row count; batches come from the two sides below
        self.first = PairTensors(first, embeddings)
        self.second = PairTensors(frame.assign(seq_a=frame["ligand_b"], seq_b=frame["receptor_b"]), embeddings)

    def batch(self, index: Sequence[int], device: torch.device) -> PairBatch:
        one, two = self.first.batch(index, device), self.second.batch(index, device)
        xa, sa = pack_complex(one.xa, one.ma, one.xb, one.mb)
        xb, sb = pack_complex(two.xa, two.ma, two.xb, two.mb)
        return PairBatch(xa, sa, xb, sb, self.labels[list(index)].to(device), list(index))

    def length_key(self, index: int) -> tuple[int, int, int]:
        """By the longer complex (ligand + receptor residues), then the shorter, then the row."""
        la, lb = sum(self.first.length_key(index)[:2]), sum(self.second.length_key(index)[:2])
        return max(la, lb), min(la, lb), index

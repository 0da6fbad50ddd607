"""Pairs as padded tensor batches. Each batch is padded to its own longest sequence (per side) and
carries boolean masks (True = residue); there is no fixed length anywhere."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch


def pad_batch(arrays: Sequence[torch.Tensor], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(L_i, d) tensors -> (B, max L, d) float32 zeros-padded, and the (B, max L) mask."""
    width = max(a.shape[0] for a in arrays)
    out = torch.zeros(len(arrays), width, arrays[0].shape[1], dtype=torch.float32)
    mask = torch.zeros(len(arrays), width, dtype=torch.bool)
    for row, array in enumerate(arrays):
        out[row, : array.shape[0]] = array
        mask[row, : array.shape[0]] = True
    return out.to(device), mask.to(device)


@dataclass
class PairBatch:
    xa: torch.Tensor
    ma: torch.Tensor
    xb: torch.Tensor
    mb: torch.Tensor
    labels: torch.Tensor
    index: list[int]  # rows of the split, in batch order


class PairTensors:
    """One split's pairs over shared per-sequence embeddings (fp16 tensors, each held once)."""

    def __init__(self, frame: pd.DataFrame, embeddings: dict[str, torch.Tensor]) -> None:
        self.seq_a = frame["seq_a"].tolist()
        self.seq_b = frame["seq_b"].tolist()
        self.labels = torch.tensor(frame["label"].to_numpy(dtype=np.float32))
        self.embeddings = embeddings

    def __len__(self) -> int:
        return len(self.seq_a)

    def batch(self, index: Sequence[int], device: torch.device) -> PairBatch:
        xa, ma = pad_batch([self.embeddings[self.seq_a[i]] for i in index], device)
        xb, mb = pad_batch([self.embeddings[self.seq_b[i]] for i in index], device)
        return PairBatch(xa, ma, xb, mb, self.labels[list(index)].to(device), list(index))

    def shuffled(
        self, batch_size: int, generator: torch.Generator, device: torch.device
    ) -> Iterator[PairBatch]:
        order = torch.randperm(len(self), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            yield self.batch(order[start : start + batch_size], device)

    def in_order(self, batch_size: int, device: torch.device) -> Iterator[PairBatch]:
        """For evaluation: a fixed order, by total length (less padding), ties by row."""
        lengths = [
            self.embeddings[a].shape[0] + self.embeddings[b].shape[0]
            for a, b in zip(self.seq_a, self.seq_b, strict=True)
        ]
        order = sorted(range(len(self)), key=lambda i: (lengths[i], i))
        for start in range(0, len(order), batch_size):
            yield self.batch(order[start : start + batch_size], device)


def as_tensors(vectors: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {seq: torch.from_numpy(np.array(v, dtype=np.float16)) for seq, v in vectors.items()}

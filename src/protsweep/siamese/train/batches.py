"""Pairs as padded tensor batches. Each batch is padded to its own longest sequence (per side) and
carries boolean masks (True = residue); there is no fixed length anywhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from protsweep.siamese.embed.lazy import LazyEmbeddings

#: Batches per length-sorted pool when training batches are bucketed by length.
BUCKET_POOL = 50


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


class EmbeddingTensors(Mapping[str, torch.Tensor]):
    """fp16 tensors read from the embedding cache when a batch needs them (nothing held in memory)."""

    def __init__(self, arrays: LazyEmbeddings) -> None:
        self.arrays = arrays

    def __getitem__(self, sequence: str) -> torch.Tensor:
        return torch.from_numpy(self.arrays[sequence].copy())

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)

    def length(self, sequence: str) -> int:
        return self.arrays.length(sequence)


def sequence_length(embeddings: Mapping[str, torch.Tensor], sequence: str) -> int:
    if isinstance(embeddings, EmbeddingTensors):
        return embeddings.length(sequence)  # no read
    return int(embeddings[sequence].shape[0])


class PairTensors:
    """One split's pairs over shared per-sequence embeddings (fp16 tensors, each held once or read per batch)."""

    def __init__(self, frame: pd.DataFrame, embeddings: Mapping[str, torch.Tensor]) -> None:
        self.seq_a = frame["seq_a"].tolist()
        self.seq_b = frame["seq_b"].tolist()
        self.labels = torch.tensor(frame["label"].to_numpy(dtype=np.float32))
        self.embeddings = embeddings
        needed = set(self.seq_a) | set(self.seq_b)
        self.lengths = {seq: sequence_length(embeddings, seq) for seq in needed}

    def __len__(self) -> int:
        return len(self.seq_a)

    def batch(self, index: Sequence[int], device: torch.device) -> PairBatch:
        xa, ma = pad_batch([self.embeddings[self.seq_a[i]] for i in index], device)
        xb, mb = pad_batch([self.embeddings[self.seq_b[i]] for i in index], device)
        return PairBatch(xa, ma, xb, mb, self.labels[list(index)].to(device), list(index))

    def length_key(self, index: int) -> tuple[int, int, int]:
        """Orders pairs so that neighbours pad little on either side (ties by row, so it is stable)."""
        la, lb = self.lengths[self.seq_a[index]], self.lengths[self.seq_b[index]]
        return max(la, lb), min(la, lb), index

    def shuffled_indices(self, batch_size: int, generator: torch.Generator, bucket: bool = True) -> list[list[int]]:
        """A new random order each epoch, drawn from ``generator`` only (so a resumed run replays it).

        With ``bucket``, the shuffled pairs are cut into pools of ``BUCKET_POOL`` batches, each pool is
        sorted by length and cut into batches, and the batches are shuffled: batches hold pairs of similar
        lengths, so far less padding reaches the quadratic attention, while every epoch still sees the
        pairs in a new random grouping and order.
        """
        order = torch.randperm(len(self), generator=generator).tolist()
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        if bucket:
            pool = BUCKET_POOL * batch_size
            batches = []
            for start in range(0, len(order), pool):
                part = sorted(order[start : start + pool], key=self.length_key)
                batches += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        return batches

    def shuffled(
        self, batch_size: int, generator: torch.Generator, device: torch.device, bucket: bool = True
    ) -> Iterator[PairBatch]:
        for index in self.shuffled_indices(batch_size, generator, bucket):
            yield self.batch(index, device)

    def split_by_cells(self, index: Sequence[int], max_cells: int | None) -> list[list[int]]:
        """One batch cut into consecutive parts of at most ``max_cells`` attention cells (rows x longest
        length squared), so no forward pass needs a (rows, heads, L, L) tensor past that budget: at ESM C's
        2048 context a batch of long proteins runs as several small parts. A batch within the budget stays
        whole (one part), so runs on short sequences are unchanged."""
        index = list(index)
        if not max_cells or not index:
            return [index]
        longest = max(self.length_key(i)[0] for i in index)
        per_part = max(1, int(max_cells) // max(longest, 1) ** 2)
        return [index[k : k + per_part] for k in range(0, len(index), per_part)]

    def in_order(self, batch_size: int, device: torch.device, max_cells: int | None = None) -> Iterator[PairBatch]:
        """For evaluation: a fixed order by length (less padding), batches split by :meth:`split_by_cells`."""
        order = sorted(range(len(self)), key=self.length_key)
        for start in range(0, len(order), batch_size):
            for part in self.split_by_cells(order[start : start + batch_size], max_cells):
                yield self.batch(part, device)


def as_tensors(vectors: Mapping[str, np.ndarray]) -> Mapping[str, torch.Tensor]:
    """Cache-backed embeddings stay lazy (read per batch); a plain dict is copied into fp16 tensors."""
    if isinstance(vectors, LazyEmbeddings):
        return EmbeddingTensors(vectors)
    return {seq: torch.from_numpy(np.array(v, dtype=np.float16)) for seq, v in vectors.items()}

"""Pairs as padded tensor batches. Each batch is padded to its own longest sequence (per side) and
carries boolean masks (True = residue); there is no fixed length anywhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class BatchBudget:
    """The memory policy of one forward pass, per side: ``tokens`` bounds rows x longest length (what every
    activation costs, attention included when torch runs its fused kernel), ``cells`` rows x longest length²
    (what attention costs when its L x L maps are materialised: attention dropout > 0, and evaluation).
    None: no bound. A batch past either bound runs in parts (:meth:`PairTensors.split_by_budget`). ``release``:
    hand freed memory back to the OS after each pass on CPU (protsweep.siamese.train.memory)."""

    cells: int | None = None
    tokens: int | None = None
    release: bool = False

    @classmethod
    def of(cls, trainer: Any) -> BatchBudget:
        """From ``trainer.max_attention_cells``, ``max_batch_tokens`` and ``release_memory`` (the last two
        absent in older saved cards)."""
        release = bool(trainer.get("release_memory", True))
        return cls(trainer.get("max_attention_cells"), trainer.get("max_batch_tokens"), release)

    def releases_on(self, device: torch.device) -> bool:
        """Whether passes on ``device`` hand freed memory back (host memory: CPU only)."""
        return self.release and device.type == "cpu"

    def rows(self, longest: int) -> int | None:
        """The most rows of this longest length a part may hold (at least one); None: unbounded."""
        longest = max(longest, 1)
        limits = [int(self.cells) // longest**2] if self.cells else []
        limits += [int(self.tokens) // longest] if self.tokens else []
        return max(1, min(limits)) if limits else None


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

    def split_by_budget(self, index: Sequence[int], budget: BatchBudget | None) -> list[list[int]]:
        """One batch cut into consecutive parts within ``budget`` (judged by the longer side's longest length),
        so a batch of long proteins at ESM C's 2048 context runs as several small parts. A batch within the
        budget stays whole (one part), so runs on short sequences are unchanged."""
        index = list(index)
        per_part = budget.rows(max(self.length_key(i)[0] for i in index)) if budget and index else None
        if per_part is None:
            return [index]
        return [index[k : k + per_part] for k in range(0, len(index), per_part)]

    def in_order(
        self, batch_size: int, device: torch.device, budget: BatchBudget | None = None
    ) -> Iterator[PairBatch]:
        """For evaluation: a fixed order by length (less padding), batches split by :meth:`split_by_budget`."""
        order = sorted(range(len(self)), key=self.length_key)
        for start in range(0, len(order), batch_size):
            for part in self.split_by_budget(order[start : start + batch_size], budget):
                yield self.batch(part, device)


def as_tensors(vectors: Mapping[str, np.ndarray]) -> Mapping[str, torch.Tensor]:
    """Cache-backed embeddings stay lazy (read per batch); a plain dict is copied into fp16 tensors."""
    if isinstance(vectors, LazyEmbeddings):
        return EmbeddingTensors(vectors)
    return {seq: torch.from_numpy(np.array(v, dtype=np.float16)) for seq, v in vectors.items()}

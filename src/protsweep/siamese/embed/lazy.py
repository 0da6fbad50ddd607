"""Embeddings read from the cache when a batch needs them, not held in memory (all of Guo at
ESM C 300M is ~2.5 GB of fp16). Every entry was verified (checksums) when the run started; a read here only
parses the entry's header length and returns its payload, so the OS page cache, not the process, holds
the bytes between epochs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from protsweep.siamese.embed.cache import payload_offset


class LazyEmbeddings(Mapping[str, np.ndarray]):
    """sequence -> (residues kept, d) float16, read from its cache file on each access."""

    def __init__(self, paths: dict[str, Path], shapes: dict[str, tuple[int, int]]) -> None:
        self.paths = paths
        self.shapes = shapes

    def __getitem__(self, sequence: str) -> np.ndarray:
        data = self.paths[sequence].read_bytes()
        return np.frombuffer(data, dtype=np.float16, offset=payload_offset(data)).reshape(self.shapes[sequence])

    def __iter__(self) -> Iterator[str]:
        return iter(self.shapes)

    def __len__(self) -> int:
        return len(self.shapes)

    def length(self, sequence: str) -> int:
        """Residues kept for ``sequence``, without reading its file."""
        return self.shapes[sequence][0]

    def clear(self) -> None:
        """Nothing to free: no embedding is held (kept so callers that drop a dict copy need not know)."""

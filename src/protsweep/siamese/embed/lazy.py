"""Embeddings read from the cache when a batch needs them, not held in memory (all of Guo at
ESM C 300M is ~2.5 GB of fp16). Every entry was verified (checksums, the cache key's tag) when the run started;
a read here verifies an entry again whenever its file is not the one this object last verified (device, inode,
size, modification and change times), so an entry planted or swapped during a run is refused, and otherwise only
parses the entry's header length and returns its payload: the OS page cache, not the process, holds the bytes
between epochs."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from protsweep.errors import ProtsweepError
from protsweep.siamese.embed.cache import decode_entry, payload_offset


def file_stamp(stat: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is replaced or written (a change time cannot be set back)."""
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


class LazyEmbeddings(Mapping[str, np.ndarray]):
    """sequence -> (residues kept, d) float16, read from its cache file on each access."""

    def __init__(self, paths: dict[str, Path], shapes: dict[str, tuple[int, int]]) -> None:
        self.paths = paths
        self.shapes = shapes
        self._verified: dict[str, tuple[int, ...]] = {}

    def __getitem__(self, sequence: str) -> np.ndarray:
        path = self.paths[sequence]
        with open(path, "rb") as handle:
            stamp = file_stamp(os.fstat(handle.fileno()))
            data = handle.read()
        if self._verified.get(sequence) != stamp:
            embedding = decode_entry(data, sequence)
            if embedding is None or embedding.shape != tuple(self.shapes[sequence]):
                raise ProtsweepError(f"{path}: this embedding cache entry was replaced during the run by one that "
                                     "does not check out (planted, damaged or another cache key's); run again to "
                                     "recompute it")
            self._verified[sequence] = stamp
            return embedding
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

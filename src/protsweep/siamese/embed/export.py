"""``protsweep-embed --export h5``: the cached embeddings of a data set as one HDF5 file, for use outside
protsweep. Layout: ``/residues/<sha256 of the sequence>`` one (residues kept, d) float16 dataset per sequence
(attribute ``sequence``), ``/mean`` the (n, d) float32 mean over residues in the order of ``/sequences``,
``/ids`` the records' ids in the same order (from the input file, else derived from the sequence as in
training), and the embedder identity as root attributes."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from protsweep.atomic import write_atomic
from protsweep.data.dataset import sequence_id
from protsweep.siamese.embed.cache import sequence_hash
from protsweep.siamese.embed.service import EmbeddingSet


def export_h5(embeddings: EmbeddingSet, sequences: list[str], path: Path, ids: list[str] | None = None) -> Path:
    """Write ``sequences``' embeddings (read one at a time from the cache) to ``path``, atomically; ``ids``
    name the records (default: derived from each sequence)."""
    names = [str(i) for i in ids] if ids is not None else [sequence_id(s) for s in sequences]

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as handle:
            for key, value in embeddings.identity.as_dict().items():
                handle.attrs[key] = value
            residues = handle.create_group("residues")
            mean = handle.create_dataset("mean", (len(sequences), embeddings.dim), dtype="float32")
            handle.create_dataset("sequences", data=np.array(sequences, dtype=object), dtype=h5py.string_dtype())
            handle.create_dataset("ids", data=np.array(names, dtype=object), dtype=h5py.string_dtype())
            for row, seq in enumerate(sequences):
                states = embeddings.vectors[seq]
                if sequence_hash(seq) not in residues:  # two records of one sequence share its dataset
                    dataset = residues.create_dataset(sequence_hash(seq), data=states, compression="gzip")
                    dataset.attrs["sequence"] = seq
                mean[row] = states.astype(np.float32).mean(axis=0)

    write_atomic(path, write)
    return path

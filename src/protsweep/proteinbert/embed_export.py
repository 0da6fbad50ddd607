"""``protsweep-embed model=proteinbert --input new.fasta --export h5``: ProteinBERT representations of new
sequences in one HDF5 file, the layout of the ESM C export (:mod:`protsweep.siamese.embed.export`) with two
kinds of vectors, as upstream's ``get_model_with_hidden_layers_as_outputs`` defines them (every hidden layer's
output, concatenated):

* ``/residues/<sha256 of the sequence>``: per-residue (local) representations, (length, d_local) float16, the
  ``<START>``/``<END>`` tokens dropped (attribute ``sequence``);
* ``/global``: the (n, d_global) float32 global representation of each record, in the order of ``/ids`` and
  ``/sequences``;
* root attributes: ``family``, ``pretrained`` (the backbone: loaded dump or random init), ``seq_len``.

The backbone follows ``model.pretrained`` as in training (``random``: random init, said in ``pretrained``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from omegaconf import DictConfig

from protsweep.atomic import write_atomic
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.tf_env import keras  # noqa: F401  (legacy Keras path before protein-bert)


def sequence_hash(sequence: str) -> str:
    """A sequence's dataset name under ``/residues``: its sha256, as in the ESM C export."""
    return hashlib.sha256(sequence.encode()).hexdigest()


#: the tokens ProteinBERT adds around a sequence (<START>, <END>)
ADDED_TOKENS = 2
BATCH = 32


def export_h5(cfg: DictConfig, sequences: list[str], ids: list[str], path: Path) -> dict[str, Any]:
    """Embed ``sequences`` with the configured backbone and write them to ``path`` (atomically); a report."""
    from proteinbert.conv_and_global_attention_model import get_model_with_hidden_layers_as_outputs
    from proteinbert.model_generation import InputEncoder

    backbone = load_backbone(cfg.model)
    seq_len = max(len(s) for s in sequences) + ADDED_TOKENS
    model = get_model_with_hidden_layers_as_outputs(backbone.generator.create_model(seq_len))
    encoded = InputEncoder(backbone.generator.n_annotations).encode_X(sequences, seq_len)
    local, global_ = model.predict(encoded, batch_size=BATCH, verbose=0)

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as handle:
            handle.attrs.update({"family": "proteinbert", "pretrained": backbone.pretrained, "seq_len": seq_len})
            handle.create_dataset("ids", data=np.array(ids, dtype=object), dtype=h5py.string_dtype())
            handle.create_dataset("sequences", data=np.array(sequences, dtype=object), dtype=h5py.string_dtype())
            handle.create_dataset("global", data=np.asarray(global_, dtype=np.float32))
            residues = handle.create_group("residues")
            for row, seq in enumerate(sequences):
                if sequence_hash(seq) in residues:
                    continue
                states = np.asarray(local[row, 1 : 1 + len(seq)], dtype=np.float16)
                residues.create_dataset(sequence_hash(seq), data=states, compression="gzip").attrs["sequence"] = seq

    write_atomic(path, write)
    return {"name": str(cfg.model.name), "pretrained": backbone.pretrained, "records": len(sequences),
            "d_local": int(local.shape[-1]), "d_global": int(global_.shape[-1])}

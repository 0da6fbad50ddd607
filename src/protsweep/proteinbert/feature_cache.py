"""Frozen-stage feature caching: while the backbone is frozen and the training inputs do not change between
epochs (no online augmentation), the backbone's outputs are computed once and the head trains on them.

The model is cut where the head starts: the *frontier* is every tensor a ``head-*`` layer reads that a
non-head layer (or a model input) produced - the ``features`` option's output, or e.g. the residue states and
token ids that attention pooling reads. ``split_model`` returns a feature model (inputs -> frontier) and a
head model (frontier -> output) that shares the full model's head layers, so training the head model trains
the full model's head. Features are kept per padded length, in the backbone's dtypes: in memory, or, when the
whole table would exceed a memory budget (``trainer.feature_cache_memory_mb``), in ``.npy`` files memory-mapped
from a folder the caller owns and deletes (the run folder's ``.feature-cache-*``), so residue-level frontiers
(attention pooling, layer mixes) on large sets do not have to fit in RAM. Batches are drawn with
:class:`TrainingBatches`' own draw, so the batch order and composition are the uncached path's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from protsweep.proteinbert.batches import TrainingBatches
from protsweep.proteinbert.encoding import encode, length_groups
from protsweep.proteinbert.features import is_head_layer
from protsweep.proteinbert.shared_features import SharedFeatureStore
from protsweep.proteinbert.tf_env import keras, tf


@dataclass
class SplitModel:
    features: Any  # keras.Model: the full model's inputs -> the frontier tensors
    head: Any  # keras.Model: frontier tensors -> the full model's output (the same head layers)
    specs: tuple[Any, ...]  # tf.TensorSpec of each frontier tensor (batch axis None)
    compute: Any  # the feature model as one traced function for every padded length (see split_model)


def _producer(tensor: Any) -> Any:
    return tensor._keras_history.layer


def split_model(model: Any) -> SplitModel:
    """Cut ``model`` between its backbone and its ``head-*`` layers (see the module docstring)."""
    frontier: dict[int, tuple[Any, Any]] = {}  # id(backbone tensor) -> (backbone tensor, head-model Input)
    rebuilt: dict[int, Any] = {}  # id(head layer) -> its output in the head model

    def resolve(tensor: Any) -> Any:
        layer = _producer(tensor)
        if not is_head_layer(layer):
            if id(tensor) not in frontier:
                shape, dtype = tuple(tensor.shape[1:]), tensor.dtype
                frontier[id(tensor)] = (tensor, keras.Input(shape, dtype=dtype, name=f"cached-{len(frontier)}"))
            return frontier[id(tensor)][1]
        if id(layer) not in rebuilt:
            inputs = tf.nest.map_structure(resolve, layer.get_input_at(0))
            rebuilt[id(layer)] = layer(inputs)
        outputs = rebuilt[id(layer)]
        return tf.nest.flatten(outputs)[tensor._keras_history.tensor_index]

    head_output = tf.nest.map_structure(resolve, model.outputs[0])
    sources = [source for source, _ in frontier.values()]
    inputs = [placeholder for _, placeholder in frontier.values()]
    specs = tuple(tf.TensorSpec((None, *s.shape[1:]), s.dtype) for s in sources)
    features = keras.Model(model.inputs, sources, name="protsweep_frozen_features")
    # One trace with the length axis unknown, instead of running the backbone op by op (eager), which costs
    # more than the trace on full-size ProteinBERT; the inputs' specs leave the batch and length axes open.
    signature = [[tf.TensorSpec(i.shape, i.dtype) for i in model.inputs]]
    compute = tf.function(lambda x: tf.nest.flatten(features(x, training=False)), input_signature=signature)
    return SplitModel(
        features=features, head=keras.Model(inputs, head_output, name="protsweep_head"), specs=specs, compute=compute
    )


def _shape(spec: Any, rows: int, length: int) -> tuple[int, ...]:
    """The array shape of ``rows`` frontier tensors of ``spec`` at one padded length (its unknown axis)."""
    return (rows, *(length if d is None else int(d) for d in spec.shape[1:]))


def table_nbytes(specs: tuple[Any, ...], groups: dict[int, np.ndarray]) -> int:
    """Bytes the frontier tensors of every row take, from the specs alone (before computing anything)."""
    return sum(
        math.prod(_shape(spec, rows.size, length)) * spec.dtype.size
        for length, rows in groups.items()
        for spec in specs
    )


class FeatureTable:
    """The frontier tensors of a set of sequences, computed once: per padded length, one array per tensor,
    rows in the order of that length group. With ``spill_dir`` (a new folder, made here: a table's files must
    never be reopened for writing while another table maps them), the arrays are ``.npy`` files memory-mapped from
    it, written batch by batch, so the table never has to fit in memory; else in-memory arrays."""

    def __init__(
        self, split: SplitModel, sequences: Sequence[str], padding: str, seq_len: int, batch_size: int,
        n_annotations: int, spill_dir: Path | None = None, groups: dict[int, np.ndarray] | None = None,
        store: SharedFeatureStore | None = None,
    ) -> None:
        """``groups``: ``length_groups(sequences, padding, seq_len)`` when the caller has them already;
        ``store``: the sweep-level cache on disk (rows found there are read, the others computed and stored)."""
        self.groups = length_groups(sequences, padding, seq_len) if groups is None else groups
        self.position = np.empty(len(sequences), dtype=int)  # row -> index within its length group
        self.forward_passes = 0  # batches the backbone ran
        if spill_dir is not None:
            spill_dir.mkdir(parents=True, exist_ok=False)
        self.arrays: dict[int, list[np.ndarray]] = {}
        for length, rows in self.groups.items():
            self.position[rows] = np.arange(rows.size)
            arrays = [self._allocate(spec, rows.size, length, spill_dir, k) for k, spec in enumerate(split.specs)]
            group = [sequences[i] for i in rows]

            def compute(positions: list[int], arrays: list[np.ndarray] = arrays, group: list[str] = group,
                        length: int = length) -> None:
                for start in range(0, len(positions), batch_size):
                    part = positions[start : start + batch_size]
                    x = encode([group[p] for p in part], length, n_annotations)
                    self.forward_passes += 1
                    for array, tensor in zip(arrays, split.compute(list(x)), strict=True):
                        array[part] = np.asarray(tensor)

            if store is None:
                compute(list(range(rows.size)))
            else:
                store.fill(arrays, group, length, compute)
            self.arrays[length] = arrays

    @staticmethod
    def _allocate(spec: Any, rows: int, length: int, spill_dir: Path | None, k: int) -> np.ndarray:
        shape, dtype = _shape(spec, rows, length), spec.dtype.as_numpy_dtype
        if spill_dir is None:
            return np.empty(shape, dtype=dtype)
        return np.lib.format.open_memmap(spill_dir / f"len{length}-t{k}.npy", mode="w+", dtype=dtype, shape=shape)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for arrays in self.arrays.values() for a in arrays)

    def rows(self, length: int, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """The cached tensors of the given rows (all of one padded length)."""
        index = self.position[rows]
        return tuple(a[index] for a in self.arrays[length])

    def in_order(self) -> tuple[Iterator[tuple], np.ndarray]:
        """Every row once, group by group, and the row order that follows (for prediction)."""
        order = np.concatenate(list(self.groups.values())) if self.groups else np.zeros(0, dtype=int)
        return ((self.arrays[length], rows) for length, rows in self.groups.items()), order


class CachedTrainingBatches:
    """Training batches of cached features, drawn by :meth:`TrainingBatches.draw_epoch` (no augmenter), so each
    epoch holds the same batches, in the same order, as the uncached path with the same generator."""

    def __init__(self, batches: TrainingBatches, table: FeatureTable, specs: tuple[Any, ...]) -> None:
        if batches.augmenter is not None:
            raise ValueError("cached features need fixed training inputs (no augmentation)")
        self.batches = batches
        self.table = table
        self.specs = specs

    def epoch(self) -> Iterator[tuple]:
        _, drawn = self.batches.draw_epoch()
        weights = self.batches.sample_weights
        for length, rows in drawn:
            x = self.table.rows(length, rows)
            if weights is None:
                yield x, self.batches.labels[rows]
            else:
                yield x, self.batches.labels[rows], weights[rows]

    def dataset(self) -> tf.data.Dataset:
        y = tf.TensorSpec((None,), tf.float32)
        signature = (self.specs, y) if self.batches.sample_weights is None else (self.specs, y, y)
        return tf.data.Dataset.from_generator(self.epoch, output_signature=signature)


def predict_cached(head: Any, table: FeatureTable, n: int, batch_size: int) -> np.ndarray:
    """The head's probabilities for every row of ``table`` (``n`` rows), in row order."""
    groups, order = table.in_order()
    probs = np.empty(n, dtype=np.float64)
    chunks = []
    for arrays, rows in groups:
        for start in range(0, rows.size, batch_size):
            batch = [a[start : start + batch_size] for a in arrays]
            chunks.append(np.asarray(head(batch, training=False)).reshape(-1))
    if n:
        probs[order] = np.concatenate(chunks)
    return probs

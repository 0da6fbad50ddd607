"""Frozen-stage feature caching: while the backbone is frozen and the training inputs do not change between
epochs (no online augmentation), the backbone's outputs are computed once and the head trains on them.

The model is cut where the head starts: the *frontier* is every tensor a ``head-*`` layer reads that a
non-head layer (or a model input) produced - the ``features`` option's output, or e.g. the residue states and
token ids that attention pooling reads. ``split_model`` returns a feature model (inputs -> frontier) and a
head model (frontier -> output) that shares the full model's head layers, so training the head model trains
the full model's head. Features are kept in memory per padded length, in float32; batches are drawn with
:class:`TrainingBatches`' own draw, so the batch order and composition are the uncached path's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from protsweep.proteinbert.batches import TrainingBatches
from protsweep.proteinbert.encoding import encode, length_groups
from protsweep.proteinbert.features import is_head_layer
from protsweep.proteinbert.tf_env import keras, tf


@dataclass
class SplitModel:
    features: Any  # keras.Model: the full model's inputs -> the frontier tensors
    head: Any  # keras.Model: frontier tensors -> the full model's output (the same head layers)
    specs: tuple[Any, ...]  # tf.TensorSpec of each frontier tensor (batch axis None)


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
    return SplitModel(
        features=keras.Model(model.inputs, sources, name="protsweep_frozen_features"),
        head=keras.Model(inputs, head_output, name="protsweep_head"),
        specs=specs,
    )


class FeatureTable:
    """The frontier tensors of a set of sequences, computed once: per padded length, one array per tensor,
    rows in the order of that length group."""

    def __init__(
        self, split: SplitModel, sequences: Sequence[str], padding: str, seq_len: int, batch_size: int,
        n_annotations: int,
    ) -> None:
        self.groups = length_groups(sequences, padding, seq_len)
        self.position = np.empty(len(sequences), dtype=int)  # row -> index within its length group
        self.arrays: dict[int, list[np.ndarray]] = {}
        for length, rows in self.groups.items():
            self.position[rows] = np.arange(rows.size)
            chunks = []
            for start in range(0, rows.size, batch_size):
                x = encode([sequences[i] for i in rows[start : start + batch_size]], length, n_annotations)
                out = split.features(x, training=False)
                chunks.append([np.asarray(t) for t in (out if isinstance(out, list) else [out])])
            self.arrays[length] = [np.concatenate(parts) for parts in zip(*chunks, strict=True)]

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

"""Training batches that are reshuffled, and augmented afresh, at every epoch."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from protsweep.proteinbert.encoding import encode
from protsweep.proteinbert.tf_env import tf

Augmenter = Callable[[list[str], np.random.Generator], list[str]]


class TrainingBatches:
    """The training set only: valid and test never pass through here, so no augmentation setting can
    touch them. Each pass over :meth:`dataset` (one Keras epoch) draws a new order and augmentation."""

    def __init__(
        self,
        sequences: Sequence[str],
        labels: np.ndarray,
        seq_len: int,
        batch_size: int,
        n_annotations: int,
        rng: np.random.Generator,
        augmenter: Augmenter | None = None,
        sample_weights: np.ndarray | None = None,
    ) -> None:
        self.sequences = list(sequences)
        self.labels = np.asarray(labels, dtype=np.float32)
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.n_annotations = n_annotations
        self.rng = rng
        self.augmenter = augmenter
        self.sample_weights = None if sample_weights is None else np.asarray(sample_weights, dtype=np.float32)
        self.epochs_drawn = 0

    def __len__(self) -> int:
        return math.ceil(len(self.sequences) / self.batch_size)

    def draw_epoch(self) -> tuple[np.ndarray, list[str]]:
        """A fresh order and, if configured, freshly augmented sequences in that order."""
        order = self.rng.permutation(len(self.sequences))
        seqs = [self.sequences[i] for i in order]
        if self.augmenter is not None:
            seqs = self.augmenter(seqs, self.rng)
        self.epochs_drawn += 1
        return order, seqs

    def epoch(self) -> Iterator[tuple]:
        order, seqs = self.draw_epoch()
        for start in range(0, len(seqs), self.batch_size):
            rows = order[start : start + self.batch_size]
            tokens, annotations = encode(seqs[start : start + self.batch_size], self.seq_len, self.n_annotations)
            if self.sample_weights is None:
                yield (tokens, annotations), self.labels[rows]
            else:
                yield (tokens, annotations), self.labels[rows], self.sample_weights[rows]

    def dataset(self) -> tf.data.Dataset:
        """A tf.data view with static shapes (upstream's GlobalAttention needs the length at trace time)."""
        x_spec = (
            tf.TensorSpec((None, self.seq_len), tf.int32),
            tf.TensorSpec((None, self.n_annotations), tf.int8),
        )
        y_spec = tf.TensorSpec((None,), tf.float32)
        signature = (x_spec, y_spec) if self.sample_weights is None else (x_spec, y_spec, y_spec)
        data = tf.data.Dataset.from_generator(self.epoch, output_signature=signature)
        return data.apply(tf.data.experimental.assert_cardinality(len(self)))

"""Batches as tf.data datasets with a dynamic length axis: one trace serves every padded length."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from protsweep.proteinbert.encoding import encode, length_groups, truncate
from protsweep.proteinbert.tf_env import tf

Augmenter = Callable[[list[str], np.random.Generator], list[str]]


def _signature(n_annotations: int, with_y: bool, with_weights: bool) -> tuple:
    x = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None, n_annotations), tf.int8))
    if not with_y:
        return (x,)
    y = tf.TensorSpec((None,), tf.float32)
    return (x, y, y) if with_weights else (x, y)


class TrainingBatches:
    """The training set only - valid and test never pass through here, so no augmentation setting can
    touch them. Each pass over :meth:`dataset` (one Keras epoch) draws a new order and a new
    augmentation; batches hold sequences of one padded length, in random batch order."""

    def __init__(
        self,
        sequences: Sequence[str],
        labels: np.ndarray,
        seq_len: int,
        padding: str,
        batch_size: int,
        n_annotations: int,
        rng: np.random.Generator,
        augmenter: Augmenter | None = None,
        sample_weights: np.ndarray | None = None,
    ) -> None:
        self.sequences, self.n_truncated = truncate(sequences, seq_len)
        self.labels = np.asarray(labels, dtype=np.float32)
        self.seq_len = seq_len
        self.padding = padding
        self.batch_size = batch_size
        self.n_annotations = n_annotations
        self.rng = rng
        self.augmenter = augmenter
        self.sample_weights = None if sample_weights is None else np.asarray(sample_weights, dtype=np.float32)
        self.epochs_drawn = 0

    def draw_epoch(self) -> tuple[list[str], list[tuple[int, np.ndarray]]]:
        """This epoch's (possibly augmented) sequences and its batches as (padded length, row indices)."""
        seqs = list(self.sequences)
        if self.augmenter is not None:
            seqs = self.augmenter(seqs, self.rng)
        batches = []
        for length, rows in length_groups(seqs, self.padding, self.seq_len).items():
            rows = self.rng.permutation(rows)
            batches.extend((length, rows[i : i + self.batch_size]) for i in range(0, rows.size, self.batch_size))
        order = self.rng.permutation(len(batches))
        self.epochs_drawn += 1
        return seqs, [batches[i] for i in order]

    def epoch(self) -> Iterator[tuple]:
        seqs, batches = self.draw_epoch()
        for length, rows in batches:
            x = tuple(encode([seqs[i] for i in rows], length, self.n_annotations))
            if self.sample_weights is None:
                yield x, self.labels[rows]
            else:
                yield x, self.labels[rows], self.sample_weights[rows]

    def dataset(self) -> tf.data.Dataset:
        signature = _signature(self.n_annotations, True, self.sample_weights is not None)
        return tf.data.Dataset.from_generator(self.epoch, output_signature=signature)


def prediction_batches(
    sequences: Sequence[str], padding: str, seq_len: int, batch_size: int, n_annotations: int
) -> tuple[tf.data.Dataset, np.ndarray]:
    """Evaluation batches grouped by padded length (nothing truncated), and the row order they follow."""
    groups = length_groups(sequences, padding, seq_len)
    order = np.concatenate(list(groups.values())) if groups else np.zeros(0, dtype=int)

    def batches() -> Iterator[tuple]:
        for length, rows in groups.items():
            for start in range(0, rows.size, batch_size):
                chunk = rows[start : start + batch_size]
                yield (tuple(encode([sequences[i] for i in chunk], length, n_annotations)),)

    return tf.data.Dataset.from_generator(batches, output_signature=_signature(n_annotations, False, False)), order

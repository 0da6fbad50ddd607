"""Scoring many pairs with a :class:`~protsweep.siamese.net.model.PairModel`: each distinct sequence is encoded
once per encoder, then only the pair head runs per pair.

``evaluate`` (the trainer's validation) runs the whole model on every pair, so a sequence that appears in
k pairs is encoded 2k times; in ``protsweep-predict`` inputs (all-against-all screens, a few hundred proteins in
thousands of pairs) the encoders were almost all of the time (bench/bench_siamese_predict.py). The encoder's
states are zero at padded positions and every later step is masked, so encoding a sequence in a batch of
other sequences and re-padding its states beside its partner gives the same scores as the whole model on the
pair, to float tolerance (tests/siamese/test_scoring.py).

Memory: the states of one chunk's distinct sequences are held at once (residues x ``d_model`` float32 each);
callers bound it by scoring in chunks of pairs. Batches of either pass are sorted by length and cut by the
trainer's :class:`~protsweep.siamese.train.batches.BatchBudget`, as in evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from protsweep.siamese.net.model import PairModel
from protsweep.siamese.train.batches import BatchBudget, pad_batch, sequence_length
from protsweep.siamese.train.memory import release_freed_memory


def length_sorted_parts(
    lengths: Sequence[int], batch_size: int, budget: BatchBudget | None
) -> list[list[int]]:
    """Indices of ``lengths`` sorted by length (ties by index), cut into batches of ``batch_size`` and each
    batch into parts within ``budget`` (judged by the part's longest length)."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    parts: list[list[int]] = []
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        rows = budget.rows(max(lengths[i] for i in batch)) if budget else None
        step = rows or len(batch)
        parts += [batch[k : k + step] for k in range(0, len(batch), step)]
    return parts


class PairScorer:
    """Raw scores and probabilities of pairs under ``model`` (in eval mode, without gradients)."""

    def __init__(
        self, model: PairModel, batch_size: int, device: torch.device, budget: BatchBudget | None = None
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.budget = budget
        self.release = budget is not None and budget.releases_on(device)
        self.encoder_passes = 0  # forward passes of an encoder (one per part), for tests and benches

    @torch.no_grad()
    def encode(self, side: int, sequences: Sequence[str], embeddings: Mapping[str, torch.Tensor]) -> list[torch.Tensor]:
        """Each sequence's (residues, d_model) states under the encoder of ``side``, in input order."""
        lengths = [sequence_length(embeddings, seq) for seq in sequences]
        states: list[torch.Tensor | None] = [None] * len(sequences)
        for part in length_sorted_parts(lengths, self.batch_size, self.budget):
            x, mask = pad_batch([embeddings[sequences[i]] for i in part], self.device)
            out = self.model.encode(side, x, mask)
            self.encoder_passes += 1
            for row, i in enumerate(part):
                states[i] = out[row, : lengths[i]]
            self._after_pass()
        return [s for s in states if s is not None]

    @torch.no_grad()
    def score(
        self, seq_a: Sequence[str], seq_b: Sequence[str], embeddings: Mapping[str, torch.Tensor]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(raw, prob)`` of the pairs ``zip(seq_a, seq_b)``, float64, in input order."""
        self.model.eval()
        sides = self._encoded_sides(seq_a, seq_b, embeddings)
        lengths = [max(sides[0][a].shape[0], sides[1][b].shape[0]) for a, b in zip(seq_a, seq_b, strict=True)]
        raw = np.zeros(len(seq_a), dtype=np.float64)
        prob = np.zeros(len(seq_a), dtype=np.float64)
        for part in length_sorted_parts(lengths, self.batch_size, self.budget):
            ha, ma = pad_batch([sides[0][seq_a[i]] for i in part], self.device)
            hb, mb = pad_batch([sides[1][seq_b[i]] for i in part], self.device)
            out = self.model.head(ha, ma, hb, mb)
            raw[part] = out.raw.double().cpu().numpy()
            prob[part] = out.prob.double().cpu().numpy()
            self._after_pass()
        return raw, prob

    def _encoded_sides(
        self, seq_a: Sequence[str], seq_b: Sequence[str], embeddings: Mapping[str, torch.Tensor]
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Per side, sequence -> states; one encoding per sequence when the two sides share an encoder."""
        if len(self.model.encoders) == 1:
            unique = list(dict.fromkeys([*seq_a, *seq_b]))
            shared = dict(zip(unique, self.encode(0, unique, embeddings), strict=True))
            return shared, shared
        encoded = []
        for side, sequences in enumerate((seq_a, seq_b)):
            unique = list(dict.fromkeys(sequences))
            encoded.append(dict(zip(unique, self.encode(side, unique, embeddings), strict=True)))
        return encoded[0], encoded[1]

    def _after_pass(self) -> None:
        if self.release:
            release_freed_memory()

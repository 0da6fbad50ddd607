"""Training batches: every pair once per epoch, reproducible from the generator, bucketed by length."""

from __future__ import annotations

import pandas as pd
import torch

from protsweep.siamese.train.batches import PairTensors

from .pairgen import pairs


def tensors(n_pairs: int = 300) -> PairTensors:
    frame = pairs(n_proteins=60, n_pairs=n_pairs, seed=1)
    sequences = pd.concat([frame["seq_a"], frame["seq_b"]]).unique()
    embeddings = {s: torch.zeros(len(s), 4, dtype=torch.float16) for s in sequences}
    return PairTensors(frame, embeddings)


def padded_share(data: PairTensors, batches: list[list[int]]) -> float:
    real = padded = 0
    for index in batches:
        for side in (data.seq_a, data.seq_b):
            lengths = [len(side[i]) for i in index]
            real += sum(lengths)
            padded += len(lengths) * max(lengths)
    return 1 - real / padded


def epoch(data: PairTensors, seed: int, bucket: bool) -> list[list[int]]:
    gen = torch.Generator().manual_seed(seed)
    return [b.index for b in data.shuffled(16, gen, torch.device("cpu"), bucket=bucket)]


def test_each_pair_once_per_epoch_and_reproducible() -> None:
    data = tensors()
    for bucket in (False, True):
        batches = epoch(data, 0, bucket)
        assert sorted(i for b in batches for i in b) == list(range(len(data)))
        assert batches == epoch(data, 0, bucket)
        assert batches != epoch(data, 1, bucket)


def test_bucketing_cuts_padding() -> None:
    data = tensors()
    assert padded_share(data, epoch(data, 0, True)) < 0.75 * padded_share(data, epoch(data, 0, False))


def test_evaluation_order_is_fixed_and_complete() -> None:
    data = tensors(50)
    first = [b.index for b in data.in_order(8, torch.device("cpu"))]
    assert first == [b.index for b in data.in_order(8, torch.device("cpu"))]
    assert sorted(i for b in first for i in b) == list(range(50))

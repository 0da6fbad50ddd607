"""``trainer.max_attention_cells`` and ``max_batch_tokens``: batches of long proteins run in parts whose gradients
add up to the whole batch's, and evaluation in parts scores as the whole batch does."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from protsweep.siamese.loss_heads import loss_spec
from protsweep.siamese.net.build import build_network, split_tensors
from protsweep.siamese.net.losses import build_loss
from protsweep.siamese.schema import PairHead
from protsweep.siamese.train import loop
from protsweep.siamese.train.batches import BatchBudget, PairTensors
from protsweep.siamese.train.loop import TrainSettings, _train_epoch, evaluate
from protsweep.siamese.train.memory import release_freed_memory

from .conftest import TINY, compose_config


def long_pairs(n_pairs: int = 24, d_in: int = 8, seed: int = 0) -> tuple[PairTensors, pd.DataFrame]:
    """Pairs of random 'proteins' of 20-300 residues with random per-residue embeddings."""
    rng = np.random.default_rng(seed)
    proteins = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=int(n))) for n in rng.integers(20, 300, 16)]
    frame = pd.DataFrame(
        {
            "seq_a": [proteins[i] for i in rng.integers(0, 16, n_pairs)],
            "seq_b": [proteins[i] for i in rng.integers(0, 16, n_pairs)],
            "label": rng.integers(0, 2, n_pairs).astype(float),
        }
    )
    embeddings = {p: torch.from_numpy(rng.normal(size=(len(p), d_in)).astype(np.float16)) for p in proteins}
    return PairTensors(frame, embeddings), frame


def test_parts_hold_the_budget_and_a_batch_within_it_stays_whole() -> None:
    data, _ = long_pairs()
    index = list(range(len(data)))
    longest = max(data.length_key(i)[0] for i in index)
    parts = data.split_by_budget(index, BatchBudget(cells=3 * longest**2))
    assert [len(p) for p in parts] == [3] * 8 and [i for p in parts for i in p] == index
    assert data.split_by_budget(index, BatchBudget(cells=len(index) * longest**2)) == [index]
    assert data.split_by_budget(index, None) == [index]
    assert data.split_by_budget(index, BatchBudget()) == [index]
    assert data.split_by_budget(index, BatchBudget(cells=1)) == [[i] for i in index]  # at least one row per part


def test_token_budget_is_linear_in_the_length_and_the_tighter_bound_wins() -> None:
    data, _ = long_pairs()
    index = list(range(len(data)))
    longest = max(data.length_key(i)[0] for i in index)
    assert [len(p) for p in data.split_by_budget(index, BatchBudget(tokens=4 * longest + 1))] == [4] * 6
    both = BatchBudget(cells=6 * longest**2, tokens=4 * longest)  # tokens allow 4 rows, cells 6: 4 wins
    assert [len(p) for p in data.split_by_budget(index, both)] == [4] * 6
    assert BatchBudget(cells=2 * longest**2, tokens=4 * longest).rows(longest) == 2
    assert BatchBudget.of(OmegaConf.create({"max_attention_cells": None})).rows(longest) is None  # an older card


@pytest.mark.parametrize("head", [PairHead.cross_attention, PairHead.contrastive])
def test_a_step_in_parts_updates_the_weights_as_the_whole_batch(head: PairHead) -> None:
    data, _ = long_pairs()
    loss = "bce" if head is PairHead.cross_attention else "contrastive"
    cfg = compose_config(*TINY, f"loss={loss}", "model.encoder.dropout=0.0", "model.cross_attention.dropout=0.0")
    longest = max(data.length_key(i)[0] for i in range(len(data)))
    updated = []
    for cells in (None, 2 * longest**2):  # the whole batch of 24, then parts of 2 rows
        torch.manual_seed(0)
        model = build_network(8, cfg.model, head)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        trainer = TrainSettings(batch_size=24, bucket_by_length=False, grad_clip=None,
                                budget=BatchBudget(cells=cells, tokens=None, release=True))
        mean_loss = _train_epoch(model, optimizer, build_loss(loss_spec(cfg)), data, trainer, torch.device("cpu"),
                                 torch.Generator().manual_seed(3))
        updated.append((mean_loss, [p.detach().clone() for p in model.parameters()]))
    (loss_whole, whole), (loss_parts, parts) = updated
    assert loss_parts == pytest.approx(loss_whole, rel=1e-5)
    assert any(not torch.equal(p, q) for p, q in zip(whole, parts, strict=True))  # float order differs...
    for p, q in zip(whole, parts, strict=True):  # ...but the update is the same
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


def test_evaluation_in_parts_scores_as_whole_batches() -> None:
    data, frame = long_pairs()
    cfg = compose_config(*TINY)
    torch.manual_seed(0)
    model = build_network(8, cfg.model, PairHead.cross_attention)
    tensors = split_tensors(cfg.model, frame, data.embeddings, train=False)
    loss_fn = build_loss(loss_spec(cfg))
    whole = evaluate(model, tensors, loss_fn, 64, torch.device("cpu"))
    parts = evaluate(model, tensors, loss_fn, 64, torch.device("cpu"), BatchBudget(cells=300**2, tokens=3 * 300))
    np.testing.assert_allclose(parts.prob, whole.prob, rtol=1e-5, atol=1e-6)
    assert parts.loss == pytest.approx(whole.loss, rel=1e-5)


@pytest.mark.parametrize("release", [True, False])
def test_freed_memory_is_released_after_every_cpu_part(release: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``trainer.release_memory`` trims the allocator after every part's backward pass on CPU, never when off."""
    calls: list[int] = []
    monkeypatch.setattr(loop, "release_freed_memory", lambda: calls.append(1) or True)
    data, _ = long_pairs()
    cfg = compose_config(*TINY)
    model = build_network(8, cfg.model, PairHead.cross_attention)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = TrainSettings(batch_size=5, bucket_by_length=False, grad_clip=None,
                            budget=BatchBudget(cells=None, tokens=None, release=release))
    _train_epoch(model, optimizer, build_loss(loss_spec(cfg)), data, trainer, torch.device("cpu"),
                 torch.Generator().manual_seed(3))
    assert len(calls) == (5 if release else 0)  # 24 pairs in batches of 5 within the budget: 5 parts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_calls_the_c_library() -> None:
    assert release_freed_memory() is True

"""``trainer.max_attention_cells``: batches of long proteins run in parts whose gradients add up to the whole
batch's, and evaluation in parts scores as the whole batch does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from protsweep.siamese.loss_heads import loss_spec
from protsweep.siamese.net.build import build_network, split_tensors
from protsweep.siamese.net.losses import build_loss
from protsweep.siamese.schema import PairHead
from protsweep.siamese.train.batches import PairTensors
from protsweep.siamese.train.loop import _train_epoch, evaluate

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
    parts = data.split_by_cells(index, 3 * longest**2)
    assert [len(p) for p in parts] == [3] * 8 and [i for p in parts for i in p] == index
    assert data.split_by_cells(index, len(index) * longest**2) == [index]
    assert data.split_by_cells(index, None) == [index]
    assert data.split_by_cells(index, 1) == [[i] for i in index]  # never fewer than one row per part


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
        trainer = OmegaConf.create({"batch_size": 24, "bucket_by_length": False, "grad_clip": None,
                                    "max_attention_cells": cells})
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
    parts = evaluate(model, tensors, loss_fn, 64, torch.device("cpu"), max_cells=300**2)
    np.testing.assert_allclose(parts.prob, whole.prob, rtol=1e-5, atol=1e-6)
    assert parts.loss == pytest.approx(whole.loss, rel=1e-5)

"""PairScorer (protsweep-predict's scoring): each distinct sequence encoded once, the same scores as the whole
model run on every pair (the trainer's ``evaluate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from protsweep.schema import Distance
from protsweep.siamese.schema import PairHead
from protsweep.siamese.score import PairScorer, length_sorted_parts
from protsweep.siamese.train.batches import BatchBudget

from .test_network import D_IN, build

CPU = torch.device("cpu")


def embeddings(n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, 30, (n,), generator=gen).tolist()
    return {f"S{i}": torch.randn(length, D_IN, generator=gen).half() for i, length in enumerate(lengths)}


def random_pairs(names: list[str], n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(names), size=(2, n))
    return pd.DataFrame({"seq_a": [names[i] for i in pick[0]], "seq_b": [names[i] for i in pick[1]], })


@pytest.mark.parametrize("arch", ["siamese", "pseudo_siamese"])
@pytest.mark.parametrize(("head", "distance"), [
    (PairHead.cross_attention, Distance.euclidean), (PairHead.contrastive, Distance.cosine),
])  # fmt: skip
@pytest.mark.parametrize("budget", [None, BatchBudget(cells=3000, tokens=60)])
def test_scores_equal_the_whole_model_per_pair(arch: str, head: PairHead, distance: Distance, budget) -> None:
    model = build(head, arch=arch, distance=distance)
    emb = embeddings(15)
    frame = random_pairs(list(emb), 70)
    per_pair = []
    with torch.no_grad():
        for a, b in zip(frame["seq_a"], frame["seq_b"], strict=True):  # one pair at a time: no padding at all
            out = model(emb[a].float()[None], torch.ones(1, len(emb[a]), dtype=torch.bool),
                        emb[b].float()[None], torch.ones(1, len(emb[b]), dtype=torch.bool))
            per_pair.append((float(out.raw[0]), float(out.prob[0])))
    raw, prob = PairScorer(model, 8, CPU, budget).score(frame["seq_a"].tolist(), frame["seq_b"].tolist(), emb)
    np.testing.assert_allclose(raw, [r for r, _ in per_pair], atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(prob, [p for _, p in per_pair], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(("arch", "encodings"), [("siamese", 1), ("pseudo_siamese", 2)])
def test_each_distinct_sequence_is_encoded_once_per_encoder(arch: str, encodings: int) -> None:
    model = build(PairHead.cross_attention, arch=arch)
    emb = embeddings(12)
    frame = random_pairs(list(emb), 200)
    seen: list[int] = []
    for encoder in model.encoders:
        encoder.register_forward_hook(lambda _m, args, _out: seen.append(int(args[1].shape[0])))
    PairScorer(model, 4, CPU).score(frame["seq_a"].tolist(), frame["seq_b"].tolist(), emb)
    if encodings == 1:
        expected = len(set(frame["seq_a"]) | set(frame["seq_b"]))
    else:
        expected = frame["seq_a"].nunique() + frame["seq_b"].nunique()
    assert sum(seen) == expected  # rows encoded, over all passes: each distinct sequence once per encoder
    assert sum(seen) < 2 * len(frame)


def test_length_sorted_parts_cover_every_index_once_within_the_budget() -> None:
    lengths = [5, 40, 3, 40, 12, 7, 25, 1]
    budget = BatchBudget(tokens=80)
    parts = length_sorted_parts(lengths, 3, budget)
    assert sorted(i for part in parts for i in part) == list(range(len(lengths)))
    assert all(len(part) * max(lengths[i] for i in part) <= 80 for part in parts)
    flat = [lengths[i] for part in parts for i in part]
    assert flat == sorted(lengths)


def test_predict_threads_must_be_positive(tmp_path, capsys) -> None:
    from protsweep.predict_cli import EXIT_USER_ERROR, main

    out = tmp_path / "o.csv"
    code = main([str(tmp_path), "--input", str(tmp_path / "in.csv"), "--out", str(out), "--threads", "0"])
    assert code == EXIT_USER_ERROR
    assert capsys.readouterr().err.strip() == "protsweep-predict: error: --threads must be positive"
    assert not (tmp_path / "o.csv").exists()

"""Soft labels: a continuous score mapped into [0, 1] as the training target (minmax, sigmoid, rank), the 0/1
evaluation labels from the declared cut, both recorded; hard vs soft in one sweep, end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import DictConfig, OmegaConf

from protsweep.data.config import LabelMapping, PairDataConfig
from protsweep.data.pairs.dataset import load_pair_data
from protsweep.data.pairs.labels import minmax_target, rank_target, sigmoid_target, training_target
from protsweep.errors import ConfigError
from protsweep.siamese.net.build import split_tensors
from protsweep.siamese.net.heads import PairOutput
from protsweep.siamese.net.losses import bce_loss

from .conftest import TINY, compose_config
from .pairgen import pairs
from .test_cli import job_dirs, protsweep

SCORES = np.array([-9.0, -7.5, -7.5, -3.0, 0.0, 1.5, 4.0])


def write_scores(path: Path, n_pairs: int = 160, seed: int = 0) -> Path:
    """Docking-like scores: same-class pairs score lower (better) by 3 units, plus noise."""
    frame = pairs(n_proteins=40, n_pairs=n_pairs, seed=seed)
    rng = np.random.default_rng(seed)
    frame["score"] = np.round(-6.0 - 3.0 * frame["label"] + rng.normal(0.0, 1.0, len(frame)), 3)
    frame[["seq_a", "seq_b", "score"]].to_csv(path, index=False)
    return path


def data_cfg(path: Path, options: dict[str, Any] | None = None, **labels: Any) -> DictConfig:
    source = {"_target_": "protsweep.data.pairs.sources.PairsCsvSource", "path": str(path), "label_col": "score"}
    fields = {"name": "t", "source": source, "labels": labels, **(options or {})}
    return OmegaConf.merge(OmegaConf.structured(PairDataConfig), fields)


# ---------------------------------------------------------------- the mappings, against independent arithmetic
@pytest.mark.parametrize("above", [True, False])
def test_minmax_matches_the_formula(above: bool) -> None:
    got, params = minmax_target(SCORES, above)
    low, high = -9.0, 4.0
    expected = [((s - low) if above else (high - s)) / (high - low) for s in SCORES]
    assert got == pytest.approx(expected) and params == {"min": low, "max": high}
    assert got[np.argmax(SCORES) if above else np.argmin(SCORES)] == 1.0


@pytest.mark.parametrize("above", [True, False])
def test_sigmoid_matches_the_logistic_function(above: bool) -> None:
    got = sigmoid_target(SCORES, center=-7.5, scale=2.0, above=above)
    sign = 1.0 if above else -1.0
    assert got == pytest.approx([1.0 / (1.0 + math.exp(-sign * (s + 7.5) / 2.0)) for s in SCORES])
    assert got[1] == got[2] == 0.5  # the centre maps to 0.5


@pytest.mark.parametrize("above", [True, False])
def test_rank_is_the_empirical_cdf_with_tied_ranks_averaged(above: bool) -> None:
    got, _ = rank_target(SCORES, above)
    ranks = pd.Series(SCORES).rank(method="average").to_numpy()  # -7.5 twice: both rank 2.5
    cdf = (ranks - 1) / (len(SCORES) - 1)
    assert got == pytest.approx(cdf if above else 1 - cdf)
    assert got[1] == got[2]


def test_bce_on_soft_targets_is_the_cross_entropy_formula() -> None:
    logits = torch.tensor([-2.0, 0.3, 1.7])
    target = torch.tensor([0.1, 0.5, 0.8])
    got = float(bce_loss()(PairOutput(logits, torch.sigmoid(logits)), target))
    p = [1 / (1 + math.exp(-v)) for v in logits.tolist()]
    expected = -np.mean([t * math.log(q) + (1 - t) * math.log(1 - q) for t, q in zip(target.tolist(), p, strict=True)])
    assert got == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------- data: both mappings recorded
def test_sigmoid_targets_with_a_threshold_cut_are_recorded(tmp_path: Path) -> None:
    path = write_scores(tmp_path / "s.csv")
    cfg = data_cfg(path, mapping="sigmoid", threshold=-7.5, positive="below", scale=1.5)
    data = load_pair_data(cfg)
    labels = data.report["labels"]
    assert labels["target"] == "soft" and labels["cut"] == -7.5 and labels["rule"] == "label 1 if score <= -7.5"
    assert labels["cut_from"] == "threshold"
    assert labels["soft"] == {
        "mapping": "sigmoid",
        "positive": "below",
        "center": -7.5,
        "scale": 1.5,
        **{k: labels["soft"][k] for k in ("target_min", "target_mean", "target_max")},
    }
    raw = pd.read_csv(path)
    frame = pd.concat([data.train, data.valid, data.test])
    score = dict(zip(raw["seq_a"] + raw["seq_b"], raw["score"], strict=True))
    s = (frame["seq_a"] + frame["seq_b"]).map(score).to_numpy()
    assert frame["label"].tolist() == (s <= -7.5).astype(int).tolist()
    assert frame["target"].to_numpy() == pytest.approx(1 / (1 + np.exp((s + 7.5) / 1.5)))
    assert ((frame["target"] > 0.5) == (frame["label"] == 1)).all()  # centre defaults to the cut


def test_quantile_cut_and_default_scale(tmp_path: Path) -> None:
    path = write_scores(tmp_path / "s.csv")
    labels = load_pair_data(data_cfg(path, mapping="sigmoid", quantile=0.3, positive="below")).report["labels"]
    scores = pd.read_csv(path)["score"].to_numpy()
    assert labels["cut"] == pytest.approx(np.quantile(scores, 0.3)) and labels["quantile"] == 0.3
    assert labels["cut_from"] == "quantile"
    assert labels["soft"]["scale"] == pytest.approx(scores.std()) and labels["soft"]["center"] == labels["cut"]


def test_hard_target_trains_on_the_cut_and_records_the_soft_mapping(tmp_path: Path) -> None:
    path = write_scores(tmp_path / "s.csv")
    data = load_pair_data(data_cfg(path, mapping="rank", threshold=-7.5, positive="below", target="hard"))
    frame = pd.concat([data.train, data.valid, data.test])
    assert data.report["labels"]["target"] == "hard" and data.report["labels"]["soft"]["mapping"] == "rank"
    assert (frame["target"] == frame["label"]).all()


def test_repeated_pairs_average_their_soft_targets(tmp_path: Path) -> None:
    frame = pairs(n_proteins=30, n_pairs=40, seed=3)
    rows = [(a, b, float(-9 + i % 7)) for i, (a, b) in enumerate(zip(frame["seq_a"], frame["seq_b"], strict=True))]
    rows.append((rows[0][1], rows[0][0], -8.0))  # pair 0 (score -9) again, the other way round
    path = tmp_path / "dup.csv"
    pd.DataFrame(rows, columns=["seq_a", "seq_b", "score"]).to_csv(path, index=False)
    data = load_pair_data(data_cfg(path, {"dedup": "majority"}, mapping="minmax", threshold=-6.0))
    kept = pd.concat([data.train, data.valid, data.test])
    key = kept["seq_a"].isin([rows[0][0], rows[0][1]]) & kept["seq_b"].isin([rows[0][0], rows[0][1]])
    low, high = min(r[2] for r in rows), max(r[2] for r in rows)
    assert kept.loc[key, "target"].item() == pytest.approx(np.mean([(-9 - low), (-8 - low)]) / (high - low))
    assert data.report["dedup"]["duplicate_rows"] == 1 and len(kept) == 40


def test_training_split_fits_targets_and_evaluation_keeps_labels(tmp_path: Path) -> None:
    data = load_pair_data(data_cfg(write_scores(tmp_path / "s.csv"), mapping="minmax", threshold=-7.5))
    model_cfg = compose_config("embedder=esmc_tiny").model
    seqs = set(data.train["seq_a"]) | set(data.train["seq_b"]) | set(data.valid["seq_a"]) | set(data.valid["seq_b"])
    embeddings = {s: torch.zeros(len(s), 4, dtype=torch.float16) for s in seqs}
    train = split_tensors(model_cfg, data.train, embeddings, train=True)
    valid = split_tensors(model_cfg, data.valid, embeddings, train=False)
    assert train.labels.numpy() == pytest.approx(data.train["target"].to_numpy())
    assert sorted(set(valid.labels.tolist())) == [0.0, 1.0]


# ---------------------------------------------------------------- bad input: one line each
@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"mapping": "minmax"}, "need exactly one of data.labels.threshold=<score> or data.labels.quantile"),
        ({"mapping": "rank", "threshold": 0.0, "quantile": 0.5}, "need exactly one of"),
        ({"mapping": "sigmoid", "threshold": -7.5, "scale": 0.0}, "data.labels.scale must be > 0"),
        ({"mapping": "threshold", "threshold": -7.5, "target": "soft"}, "data.labels.target=soft needs a score"),
    ],
)
def test_soft_label_config_errors(tmp_path: Path, labels: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_pair_data(data_cfg(write_scores(tmp_path / "s.csv"), **labels))


def test_auto_target_follows_the_mapping() -> None:
    assert [training_target(m, "auto").value for m in LabelMapping] == ["hard"] * 3 + ["soft"] * 3


# ---------------------------------------------------------------- end to end: hard vs soft in one sweep
@pytest.mark.slow
def test_hard_vs_soft_sweep_end_to_end(tmp_path: Path) -> None:
    path = write_scores(tmp_path / "scores.csv")
    sweep = tmp_path / "sweep"
    done = protsweep(
        tmp_path,
        "sweep=siamese_soft_labels",
        "hydra.sweeper.params.seed=0",
        "data=pairs_csv",
        f"data.source.path={path}",
        "data.source.label_col=score",
        "data.labels.threshold=-7.5",
        "data.labels.positive=below",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"hydra.sweep.dir={sweep}",
        "trainer.epochs=2",
        *[t for t in TINY if not t.startswith("trainer.epochs")],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = {}
    for job in job_dirs(sweep):
        run = json.loads((job / "run.json").read_text())
        assert run["status"] == "completed" and run["ablation"]["factor"] == "data.labels.target"
        runs[run["data"]["labels"]["target"]] = (job, run)
    assert sorted(runs) == ["hard", "soft"]
    preds = {name: pd.read_csv(job / "predictions.csv") for name, (job, _) in runs.items()}
    assert preds["hard"]["id"].tolist() == preds["soft"]["id"].tolist()  # the same examples ...
    assert preds["hard"]["label"].tolist() == preds["soft"]["label"].tolist()  # ... scored on the same labels
    assert set(preds["soft"]["label"]) == {0, 1} and "target" not in preds["hard"].columns
    soft = preds["soft"]
    assert ((soft["target"] > 0) & (soft["target"] < 1)).all()
    assert ((soft["target"] > 0.5) == (soft["label"] == 1)).all()
    for _, run in runs.values():
        labels = run["data"]["labels"]
        assert labels["mapping"] == "sigmoid" and labels["cut"] == -7.5 and labels["soft"]["center"] == -7.5
    assert (sweep / "results").is_dir() and "soft" in done.stdout

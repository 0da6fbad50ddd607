"""The sweep-level frozen feature cache (issue 23): a second job with the same backbone weights (a fixed dump)
runs its frozen stage without the backbone and predicts as an uncached job; a corrupt entry is recomputed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hydra.utils import instantiate

from protsweep.config_objects import as_object
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.losses import keras_loss
from protsweep.proteinbert.model import build_model
from protsweep.proteinbert.shared_features import FOLDER, MAGIC, SharedFeatureStore, decode_entry, encode_entry
from protsweep.proteinbert.tf_env import keras
from protsweep.proteinbert.trainer import FineTuner
from protsweep.schema import CallbackConfig

from ..conftest import compose_config
from .test_pretrained_dump import random_dump
from .test_speed_cache import FROZEN, sequences


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dump") / "weights.pkl"
    random_dump(path)
    return path


def job(dump: Path, seed: int, cache_dir: Path | None, features: str = "last") -> tuple[FineTuner, Any, list]:
    """One job's frozen stage: backbone from ``dump``, head drawn from ``seed``."""
    cfg = compose_config("model=proteinbert_tiny", "model.pretrained=required", f"model.weights_path={dump}",
                         f"features={features}", "head.dropout=0.0")
    keras.utils.set_random_seed(seed)
    generator = load_backbone(cfg.model).generator
    model = build_model(generator, instantiate(cfg.features), instantiate(cfg.head))
    tune = FineTuner(
        model=model, make_loss=keras_loss(cfg.loss), make_optimizer=instantiate(cfg.optimizer),
        stopping=as_object(CallbackConfig, cfg.callback), n_annotations=int(generator.n_annotations),
        eval_batch_size=16, shared_features=cache_dir,
    )
    train_x, train_y = sequences(80, 1)
    valid_x, valid_y = sequences(30, 2)
    result = tune.train_stage(FROZEN, train_x, train_y, valid_x, valid_y, np.random.default_rng(seed))
    test_x, _ = sequences(40, 3)
    return tune, result, tune.predict(test_x, FROZEN.seq_len)


def entries(cache: Path) -> list[Path]:
    return sorted((cache / FOLDER).rglob("*.feat"))


def test_second_job_runs_no_backbone_and_predicts_as_uncached(tmp_path: Path, dump: Path) -> None:
    cache = tmp_path / "cache"
    _, first, _ = job(dump, seed=1, cache_dir=cache)
    assert first.cached_features and first.backbone_passes > 0
    assert first.shared_features["written"] == 80 + 30 and first.shared_features["read"] == 0
    assert len(entries(cache)) == 110

    _, second, predicted = job(dump, seed=2, cache_dir=cache)  # another seed of the sweep: another head init
    assert second.backbone_passes == 0
    assert second.shared_features["read"] == 110 and second.shared_features["written"] == 0

    _, plain, uncached = job(dump, seed=2, cache_dir=None)  # the same job, features computed in memory only
    assert plain.backbone_passes > 0 and plain.shared_features is None
    np.testing.assert_allclose(predicted, uncached, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_corrupt_entry_is_recomputed_not_trusted(tmp_path: Path, dump: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    job(dump, seed=1, cache_dir=cache)
    victim = entries(cache)[0]
    intact = victim.read_bytes()
    damaged = bytearray(intact)
    if damage == "truncate":
        del damaged[-5:]
    else:
        damaged[-1] ^= 0xFF
    victim.write_bytes(bytes(damaged))
    _, again, predicted = job(dump, seed=2, cache_dir=cache)
    assert again.shared_features["corrupt_recomputed"] == 1 and again.shared_features["written"] == 1
    assert again.backbone_passes == 1
    rewritten = victim.read_bytes()
    assert rewritten.startswith(MAGIC) and len(rewritten) == len(intact)  # rewritten whole
    _, _, uncached = job(dump, seed=2, cache_dir=None)
    np.testing.assert_allclose(predicted, uncached, rtol=1e-4, atol=1e-4)


def test_another_features_option_does_not_share(tmp_path: Path, dump: Path) -> None:
    cache = tmp_path / "cache"
    job(dump, seed=1, cache_dir=cache, features="last")
    _, other, _ = job(dump, seed=1, cache_dir=cache, features="attention_pool")
    assert other.shared_features["read"] == 0 and other.backbone_passes > 0
    assert len({p.parent.parent for p in entries(cache)}) == 2  # one identity folder per features option


def test_entry_round_trip_and_mismatches() -> None:
    tensors = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(4, dtype=np.float16)]
    data = encode_entry("ab" * 32, 24, tensors)
    expected = [((2, 3), np.dtype(np.float32)), ((4,), np.dtype(np.float16))]
    back = decode_entry(data, "ab" * 32, 24, expected)
    assert back is not None and all(np.array_equal(a, b) for a, b in zip(back, tensors, strict=True))
    assert decode_entry(data, "cd" * 32, 24, expected) is None  # another sequence's entry
    assert decode_entry(data, "ab" * 32, 32, expected) is None  # another padded length
    assert decode_entry(data, "ab" * 32, 24, expected[::-1]) is None  # other shapes
    assert decode_entry(data[:-1], "ab" * 32, 24, expected) is None


def claim_by(store: SharedFeatureStore, sequence: str, length: int, pid: int) -> None:
    path = store.path(sequence, length).with_suffix(".claim")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "since": time.time()}))


def test_concurrent_jobs_wait_for_a_live_claim_and_take_over_a_dead_one(tmp_path: Path) -> None:
    store = SharedFeatureStore(tmp_path, {"key": "k"}, poll_s=0.05)
    sequences = ["AAA", "CCC", "DDD"]
    rows = {seq: np.full(4, i, dtype=np.float32) for i, seq in enumerate(sequences)}
    claim_by(store, "CCC", 8, os.getppid())  # a live job computes CCC ...
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    claim_by(store, "DDD", 8, int(dead.stdout))  # ... the job that claimed DDD died
    other = SharedFeatureStore(tmp_path, {"key": "k"})
    writer = threading.Timer(0.3, lambda: other._write("CCC", 8, [rows["CCC"]]))
    writer.start()
    computed: list[str] = []

    def compute(positions: list[int]) -> None:
        for p in positions:
            computed.append(sequences[p])
            arrays[0][p] = rows[sequences[p]]

    arrays = [np.zeros((3, 4), dtype=np.float32)]
    store.fill(arrays, sequences, 8, compute)
    writer.join()
    assert sorted(computed) == ["AAA", "DDD"]  # CCC was read from the live job's entry, not computed again
    np.testing.assert_array_equal(arrays[0], np.stack([rows[s] for s in sequences]))
    # this job released its claims (AAA, DDD); the live job's claim on CCC is its own to release
    assert list(tmp_path.rglob("*.claim")) == [store.path("CCC", 8).with_suffix(".claim")]

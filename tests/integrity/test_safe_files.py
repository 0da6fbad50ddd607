"""No code from data files: Siamese checkpoints (safetensors + weights-only state) and the ProteinBERT dump
(numpy-only unpickler, optional SHA-256 first, downloads that never leave a partial file in place)."""

from __future__ import annotations

import hashlib
import pickle
import random
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from protsweep.errors import ProtsweepError
from protsweep.integrity.pickles import load_dump
from protsweep.siamese.train.checkpoint import CheckpointStore


class Payload:
    """Unpickling this creates ``marker``: the shape of a planted file that runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def test_checkpoint_round_trip_keeps_model_optimizer_and_rng(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    rng = {"numpy": np.random.get_state(), "python": random.getstate(), "torch": torch.get_rng_state()}
    store = CheckpointStore(tmp_path)
    store.save_last({"fingerprint": "f", "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "state": {"epoch": 2}, "rng": rng})
    back = store.load_last()
    assert back is not None and back["fingerprint"] == "f" and back["state"] == {"epoch": 2}
    for key, value in model.state_dict().items():
        assert torch.equal(back["model"][key], value)
    assert back["rng"]["numpy"][0] == "MT19937"
    np.testing.assert_array_equal(back["rng"]["numpy"][1], rng["numpy"][1])
    assert back["rng"]["numpy"][1].dtype == rng["numpy"][1].dtype
    assert back["rng"]["python"] == rng["python"]
    assert torch.equal(back["optimizer"]["state"][0]["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"])
    assert [p.name for p in (tmp_path / "checkpoints").glob("last-*.safetensors")] == [back_name(tmp_path)]


def back_name(run_dir: Path) -> str:
    return torch.load(run_dir / "checkpoints" / "last.pt", weights_only=True)["model_file"]


def test_a_planted_checkpoint_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    store = CheckpointStore(tmp_path)
    store.directory.mkdir(parents=True)
    torch.save({"format": 2, "x": Payload(marker)}, store.last_path)  # torch.save pickles the payload
    store.best_path.write_bytes(pickle.dumps(Payload(marker)))
    assert store.load_last() is None
    assert store.load_best() is None
    assert not marker.exists()
    kept = store.set_aside()
    assert kept is not None and (kept / "last.pt").is_file() and not store.last_path.exists()


def test_an_altered_model_file_is_not_resumed(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    model = torch.nn.Linear(2, 1)
    store.save_last({"model": model.state_dict(), "state": {"epoch": 1}})
    weights = next(store.directory.glob("last-*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-4] + b"\0\0\0\0")
    assert store.load_last() is None


def test_best_checkpoint_keeps_epoch_and_value(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save_best(torch.nn.Linear(2, 1).state_dict(), 3, 0.25)
    best = store.load_best()
    assert best is not None and best["epoch"] == 3 and best["value"] == 0.25


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        ({"weights": [np.zeros(2)]}, "not a 3-tuple"),
        ((1, [np.zeros(2)]), "not a 3-tuple"),
        ((1, ["a", "b"], None), "weights is not a list of numeric arrays"),
        (("x", [np.zeros(2)], None), "n_annotations is not a positive int"),
        ((1, [], None), "weights is not a list of numeric arrays"),
    ],
)
def test_wrongly_structured_dumps_are_one_clear_error(tmp_path: Path, obj: object, problem: str) -> None:
    path = tmp_path / "d.pkl"
    path.write_bytes(pickle.dumps(obj))
    with pytest.raises(ProtsweepError, match=f"^{re.escape(str(path))}: not a ProteinBERT dump: {re.escape(problem)}"):
        load_dump(path)


def test_a_planted_dump_is_refused_before_it_runs(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    path = tmp_path / "d.pkl"
    path.write_bytes(pickle.dumps((1, [Payload(marker)], None)))
    with pytest.raises(ProtsweepError, match="pathlib"):
        load_dump(path)
    assert not marker.exists()


def test_sha256_is_checked_before_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "d.pkl"
    weights = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(4)]
    path.write_bytes(pickle.dumps((2, weights, None)))
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    n, back, _ = load_dump(path, good)
    assert n == 2 and all(np.array_equal(a, b) for a, b in zip(back, weights, strict=True))
    with pytest.raises(ProtsweepError, match=r"SHA-256 differs from model\.weights_sha256"):
        load_dump(path, "0" * 64)

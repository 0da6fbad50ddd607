"""The weights' SHA-256 memo in the embedding cache vouches only for the file it was computed from here: a memo
copied or planted with the cache folder, or a garbled one, is not trusted (the embeddings' identity rests on it)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from protsweep.siamese.embed.identity import weights_sha256


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "w" / "model.safetensors"
    path.parent.mkdir()
    path.write_bytes(b"weights of this machine")
    return path


def test_a_planted_memo_does_not_vouch_for_the_weights(tmp_path: Path, weights: Path) -> None:
    truth = hashlib.sha256(weights.read_bytes()).hexdigest()
    stat = weights.resolve().stat()
    cache = tmp_path / "cache"
    cache.mkdir()
    other = "f" * 64  # another file's hash, under the keys a copied cache could carry for this path
    planted = {f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}": other,
               f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|0|0|0": other}
    (cache / "weights_sha256.json").write_text(json.dumps(planted))
    assert weights_sha256(weights, cache) == truth


@pytest.mark.parametrize("memo", ['{"a": 1', "[1, 2]", None])
def test_a_garbled_memo_or_value_is_recomputed(tmp_path: Path, weights: Path, memo) -> None:
    truth = hashlib.sha256(weights.read_bytes()).hexdigest()
    cache = tmp_path / "cache"
    cache.mkdir()
    assert weights_sha256(weights, cache) == truth  # computed and remembered
    if memo is None:  # the remembered value itself garbled
        saved = json.loads((cache / "weights_sha256.json").read_text())
        memo = json.dumps(dict.fromkeys(saved, "not a hash"))
    (cache / "weights_sha256.json").write_text(memo)
    assert weights_sha256(weights, cache) == truth
    assert list(json.loads((cache / "weights_sha256.json").read_text()).values()) == [truth]

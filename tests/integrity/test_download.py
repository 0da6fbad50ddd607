"""The ProteinBERT dump download: written to ``<path>.part`` and renamed only when complete and checked."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

backbone = pytest.importorskip("protsweep.proteinbert.backbone")  # imports TensorFlow

CONTENT = b"a complete dump" * 100


class Remote(io.BytesIO):
    """What urlopen returns; ``fail_after`` bytes into the body it raises, like a dropped connection."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size: int | None = -1) -> bytes:
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset")
        return super().read(min(size or 64, 64))


def fake_urlopen(remote: Remote):
    return lambda url, timeout=None: remote


def test_an_interrupted_download_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "default.pkl"
    monkeypatch.setattr(backbone, "urlopen", fake_urlopen(Remote(CONTENT, fail_after=200)))
    backbone._download(path)
    assert not path.exists() and not backbone.partial_path(path).exists()


def test_a_leftover_partial_is_removed_and_the_retry_completes(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "default.pkl"
    backbone.partial_path(path).write_bytes(b"half a dump")
    monkeypatch.setattr(backbone, "urlopen", fake_urlopen(Remote(CONTENT)))
    backbone._download(path, hashlib.sha256(CONTENT).hexdigest())
    assert path.read_bytes() == CONTENT and not backbone.partial_path(path).exists()


def test_a_download_with_the_wrong_checksum_is_not_kept(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "default.pkl"
    monkeypatch.setattr(backbone, "urlopen", fake_urlopen(Remote(CONTENT)))
    backbone._download(path, "0" * 64)
    assert not path.exists() and not backbone.partial_path(path).exists()

"""The frozen backbone's features on disk, shared by every job, sweep and fold that computes the same ones.

A frozen-stage :class:`~protsweep.proteinbert.feature_cache.FeatureTable` holds, per training or validation
sequence, the tensors the head reads (the frontier). They depend only on the feature model (the backbone and the
``features`` option's layers: their structure and weights, so the dump's weights, or for random init the seed
that drew them), the model's inputs (``n_annotations``), the sequence and the length it is padded to
(``seq_len``/``padding``), and the tensors' dtypes: :func:`feature_identity` hashes all of these but the
sequence and length, which name the entry. Seeds, heads, losses, optimizers, callbacks and calibration do not
enter, so the jobs of a sweep that vary only those compute each sequence's features once.

Layout: ``<paths.cache_dir>/frozen_features/<identity>/<h[:2]>/<h>-<length>.feat`` (``h``: the sequence's
SHA-256); ``identity.json`` beside the entries says what the identity covers. An entry is a framed entry
(:mod:`protsweep.framed`): ``MAGIC``, an HMAC tag (this user's cache key), a 4-byte header length, a JSON header
(the sequence's hash, the length, each tensor's shape and dtype, the payload's SHA-256) and the tensors' bytes;
one that does not check out in every field, or that another key signed (planted, copied), is recomputed, never
trusted.
Entries are written to a temporary file renamed into place, and a job claims the entries it is about to
compute with the embedding cache's claim files (:mod:`protsweep.integrity.locks`): a concurrent job waits for
an entry another live job claimed and takes over the claim of one that died.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from protsweep.atomic import write_atomic, write_json_atomic
from protsweep.cache_key import cache_key
from protsweep.framed import decode_frame, encode_frame, foreign_frame
from protsweep.integrity.locks import is_stale, read_holder, release, try_lock

log = logging.getLogger(__name__)

MAGIC = b"PSFEAT\x01"
FOLDER = "frozen_features"
#: what the identity hashes; bump when the entry format or the identity's contents change
FORMAT = 1


def _layer_description(layer: Any) -> dict[str, Any]:
    """A layer's class and configuration without its (process-dependent) name."""
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    return {"class": type(layer).__name__, "config": config}


def feature_identity(features: Any, specs: Sequence[Any], n_annotations: int) -> dict[str, Any]:
    """What the frontier of ``features`` (the feature keras.Model) depends on, but the sequence and length:
    ``key`` hashes the layers' structure, every weight's bytes, the inputs and the frontier's dtypes."""
    digest = hashlib.sha256()
    structure = json.dumps([_layer_description(layer) for layer in features.layers], sort_keys=True, default=str)
    digest.update(structure.encode())
    for weight in features.weights:
        value = np.ascontiguousarray(weight.numpy())
        digest.update(f"{value.dtype}{value.shape}".encode())
        digest.update(value.tobytes())
    inputs = [f"{t.dtype.name}{tuple(t.shape[1:])}" for t in features.inputs]
    frontier = [f"{s.dtype.name}{tuple(s.shape[1:])}" for s in specs]
    digest.update(json.dumps([FORMAT, n_annotations, inputs, frontier]).encode())
    return {"key": digest.hexdigest()[:24], "format": FORMAT, "n_annotations": n_annotations, "inputs": inputs,
            "frontier": frontier, "weights": len(features.weights), "layers": len(features.layers)}


def encode_entry(sequence_sha256: str, length: int, tensors: Sequence[np.ndarray]) -> bytes:
    payload = b"".join(np.ascontiguousarray(t).tobytes() for t in tensors)
    header = {
        "sequence_sha256": sequence_sha256,
        "length": int(length),
        "tensors": [{"shape": list(t.shape), "dtype": str(t.dtype)} for t in tensors],
    }
    return encode_frame(MAGIC, header, payload)


def decode_entry(
    data: bytes, sequence_sha256: str, length: int, expected: Sequence[tuple[tuple[int, ...], np.dtype]],
    folder: Path | None = None,
) -> list[np.ndarray] | None:
    """The entry's tensors when ``data`` is a complete, intact entry of this sequence, length and shapes, signed
    with this user's cache key (``folder``: the cache folder a warning about another key's entries names)."""
    frame = decode_frame(data, MAGIC, folder)
    if frame is None:
        return None
    header, payload = frame
    try:
        described = [(tuple(int(n) for n in t["shape"]), np.dtype(t["dtype"])) for t in header["tensors"]]
    except (ValueError, KeyError, TypeError):
        return None
    if (
        header.get("sequence_sha256") != sequence_sha256
        or header.get("length") != length
        or described != [(tuple(shape), np.dtype(dtype)) for shape, dtype in expected]
        or len(payload) != sum(int(np.prod(shape)) * dtype.itemsize for shape, dtype in described)
    ):
        return None
    tensors, offset = [], 0
    for shape, dtype in described:
        size = int(np.prod(shape)) * dtype.itemsize
        tensors.append(np.frombuffer(payload, dtype=dtype, count=int(np.prod(shape)), offset=offset).reshape(shape))
        offset += size
    return tensors


def sequence_hash(sequence: str) -> str:
    return hashlib.sha256(sequence.encode()).hexdigest()


#: computes the frontier rows of the given positions of a length group and writes them into the table's arrays
ComputeRows = Callable[[list[int]], None]


class SharedFeatureStore:
    """One feature identity's entries under ``root`` (``paths.cache_dir``); counts what it read and wrote."""

    def __init__(self, root: str | Path, identity: dict[str, Any], poll_s: float = 0.5) -> None:
        self.directory = Path(root).expanduser() / FOLDER / identity["key"]
        self.identity = identity
        self.poll_s = poll_s
        self.hits = 0
        self.written = 0
        self.corrupt = 0
        cache_key()  # a bad key file is one line before any feature is computed
        if not (self.directory / "identity.json").exists():
            write_json_atomic(self.directory / "identity.json", identity)

    def path(self, sequence: str, length: int) -> Path:
        digest = sequence_hash(sequence)
        return self.directory / digest[:2] / f"{digest}-{length}.feat"

    def fill(self, arrays: list[np.ndarray], sequences: Sequence[str], length: int, compute: ComputeRows) -> None:
        """Fill ``arrays`` (one per frontier tensor, row ``p`` for ``sequences[p]``, all padded to ``length``):
        rows found intact on disk are read; the others are claimed, computed by ``compute`` and stored, or, when
        another job claimed them, waited for."""
        expected = [(tuple(a.shape[1:]), a.dtype) for a in arrays]
        missing = [p for p, seq in enumerate(sequences) if not self._read_into(arrays, p, seq, length, expected)]
        while missing:
            mine, others = [], []
            for p in missing:
                (others if try_lock(self._claim(sequences[p], length)) is not None else mine).append(p)
            try:
                if mine:
                    compute(mine)
                    for p in mine:
                        self._write(sequences[p], length, [a[p] for a in arrays])
            finally:
                for p in mine:
                    release(self._claim(sequences[p], length))
            missing = self._wait_for(others, arrays, sequences, length, expected)

    def _claim(self, sequence: str, length: int) -> Path:
        return self.path(sequence, length).with_suffix(".claim")

    def _read_into(
        self, arrays: list[np.ndarray], p: int, sequence: str, length: int, expected: list, count: bool = True
    ) -> bool:
        path = self.path(sequence, length)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False
        tensors = decode_entry(data, sequence_hash(sequence), length, expected, self.directory)
        if tensors is None:
            if count and not foreign_frame(data, MAGIC):  # another key's entries: one warning per folder (framed)
                log.warning("frozen feature cache: corrupt entry %s (it is recomputed)", path)
            if count:
                self.corrupt += 1
            return False
        for array, tensor in zip(arrays, tensors, strict=True):
            array[p] = tensor
        self.hits += 1
        return True

    def _write(self, sequence: str, length: int, tensors: list[np.ndarray]) -> None:
        data = encode_entry(sequence_hash(sequence), length, tensors)
        write_atomic(self.path(sequence, length), lambda tmp: tmp.write_bytes(data))
        self.written += 1

    def _wait_for(
        self, waiting: list[int], arrays: list[np.ndarray], sequences: Sequence[str], length: int, expected: list
    ) -> list[int]:
        """Wait for entries other jobs claimed; returns the positions whose claimer went away without writing."""
        if waiting:
            log.info("frozen feature cache: waiting for %d entries another job is computing", len(waiting))
        orphaned: list[int] = []
        while waiting:
            still = []
            for p in waiting:
                if self._read_into(arrays, p, sequences[p], length, expected, count=False):
                    continue
                if is_stale(read_holder(self._claim(sequences[p], length))):
                    orphaned.append(p)
                else:
                    still.append(p)
            waiting = still
            if waiting:
                time.sleep(self.poll_s)
        return orphaned

    def report(self) -> dict[str, Any]:
        return {"dir": str(self.directory), "read": self.hits, "written": self.written,
                "corrupt_recomputed": self.corrupt}

"""On-disk embedding cache: one fp16 file per sequence, content-addressed.

Layout: ``<root>/<identity key>/<h[:2]>/<h>.emb`` where ``h`` is the SHA-256 of the sequence and the
identity key hashes the embedder (model, weights fingerprint, max_len, compute dtype, representation); ``identity.json``
beside the entries says which embedder that is.

Entry format: ``MAGIC``, a 4-byte little-endian header length, a JSON header (shape, dtype, the sequence's
hash, the payload's SHA-256, residue counts) and the raw fp16 payload. An entry whose magic, header, size,
sequence hash or payload hash does not check out is treated as absent (and recomputed by the caller).
Writes go to a temporary file that is renamed into place, so concurrent runs never see a partial entry;
two runs that embed the same sequence at once write identical bytes, and either rename wins.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from protsweep.atomic import write_atomic, write_json_atomic
from protsweep.siamese.embed.identity import EmbedderIdentity

log = logging.getLogger(__name__)

MAGIC = b"PSEMB\x01"
_LEN = struct.Struct("<I")
SUFFIX = ".emb"


def sequence_hash(sequence: str) -> str:
    return hashlib.sha256(sequence.encode()).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    written: int = 0
    corrupt_paths: list[str] = field(default_factory=list)


def encode_entry(sequence: str, embedding: np.ndarray, n_residues: int) -> bytes:
    payload = np.ascontiguousarray(embedding, dtype=np.float16).tobytes()
    header = {
        "shape": list(embedding.shape),
        "dtype": "float16",
        "sequence_sha256": sequence_hash(sequence),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "n_residues": int(n_residues),  # before truncation
        "truncated": bool(n_residues > embedding.shape[0]),
    }
    head = json.dumps(header, sort_keys=True).encode()
    return MAGIC + _LEN.pack(len(head)) + head + payload


def payload_offset(data: bytes) -> int:
    """Where an entry's fp16 payload starts (after the magic, the header length and the header)."""
    (head_len,) = _LEN.unpack_from(data, len(MAGIC))
    return len(MAGIC) + _LEN.size + head_len


def decode_entry(data: bytes, sequence: str) -> np.ndarray | None:
    """The embedding, or None when the bytes are not a complete, intact entry for this sequence."""
    start = len(MAGIC) + _LEN.size
    if len(data) < start or not data.startswith(MAGIC):
        return None
    (head_len,) = _LEN.unpack_from(data, len(MAGIC))
    try:
        header = json.loads(data[start : start + head_len])
        shape = tuple(int(n) for n in header["shape"])
    except (ValueError, KeyError, TypeError):
        return None
    payload = data[start + head_len :]
    if (
        len(shape) != 2
        or header.get("dtype") != "float16"
        or header.get("sequence_sha256") != sequence_hash(sequence)
        or len(payload) != shape[0] * shape[1] * 2
        or hashlib.sha256(payload).hexdigest() != header.get("payload_sha256")
    ):
        return None
    return np.frombuffer(payload, dtype=np.float16).reshape(shape)


class EmbeddingCache:
    def __init__(self, root: str | Path, identity: EmbedderIdentity) -> None:
        self.root = Path(root).expanduser()
        self.identity = identity
        self.directory = self.root / identity.key()
        self.stats = CacheStats()

    def describe(self) -> None:
        """Write ``identity.json`` once, so a person can tell what a cache folder holds."""
        path = self.directory / "identity.json"
        if not path.exists():
            write_json_atomic(path, self.identity.as_dict())

    def path(self, sequence: str) -> Path:
        digest = sequence_hash(sequence)
        return self.directory / digest[:2] / f"{digest}{SUFFIX}"

    def load(self, sequence: str) -> np.ndarray | None:
        path = self.path(sequence)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.stats.misses += 1
            return None
        embedding = decode_entry(data, sequence)
        if embedding is None:
            log.warning("embedding cache: corrupt entry %s (it is recomputed)", path)
            self.stats.corrupt += 1
            self.stats.misses += 1
            self.stats.corrupt_paths.append(str(path))
            return None
        self.stats.hits += 1
        return embedding

    def store(self, sequence: str, embedding: np.ndarray, n_residues: int) -> None:
        data = encode_entry(sequence, embedding, n_residues)
        write_atomic(self.path(sequence), lambda tmp: tmp.write_bytes(data))
        self.stats.written += 1

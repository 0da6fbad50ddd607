"""On-disk embedding cache: one fp16 file per sequence, content-addressed.

Layout: ``<root>/<identity key>/<h[:2]>/<h>.emb`` where ``h`` is the SHA-256 of the sequence and the
identity key hashes the embedder (model, weights fingerprint, max_len, compute dtype, representation); ``identity.json``
beside the entries says which embedder that is.

Entry format: a framed entry (:mod:`protsweep.framed`): ``MAGIC``, an HMAC tag (this user's cache key), a 4-byte
little-endian header length, a JSON header (shape, dtype, the sequence's hash, the payload's SHA-256, residue
counts) and the raw fp16 payload. An entry whose magic, tag, header, size, sequence hash or payload hash does not
check out is treated as absent (and recomputed by the caller): a planted entry or one copied from another user's
cache is never used.
Writes go to a temporary file that is renamed into place, so concurrent runs never see a partial entry.
Before embedding, a run claims each missing entry (``<h>.claim``, a lock file of
:mod:`protsweep.integrity.locks`); a run that finds an entry claimed by a live process waits for it instead of
embedding it too, and takes over the claim of a process that died.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from protsweep.atomic import write_atomic, write_json_atomic
from protsweep.cache_key import cache_key
from protsweep.framed import decode_frame, encode_frame, foreign_frame
from protsweep.framed import payload_offset as frame_payload_offset
from protsweep.integrity.locks import is_stale, read_holder, release, try_lock
from protsweep.siamese.embed.identity import EmbedderIdentity

log = logging.getLogger(__name__)

MAGIC = b"PSEMB\x01"
SUFFIX = ".emb"
CLAIM = ".claim"


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
        "n_residues": int(n_residues),  # before truncation
        "truncated": bool(n_residues > embedding.shape[0]),
    }
    return encode_frame(MAGIC, header, payload)


def payload_offset(data: bytes) -> int:
    """Where an entry's fp16 payload starts (after the magic, the header length and the header)."""
    return frame_payload_offset(data, MAGIC)


def decode_entry(data: bytes, sequence: str, folder: Path | None = None) -> np.ndarray | None:
    """The embedding, or None when the bytes are not a complete, intact entry for this sequence signed with this
    user's cache key (``folder``: the cache folder named in the one warning about entries another key signed)."""
    frame = decode_frame(data, MAGIC, folder)
    if frame is None:
        return None
    header, payload = frame
    try:
        shape = tuple(int(n) for n in header["shape"])
    except (ValueError, KeyError, TypeError):
        return None
    if (
        len(shape) != 2
        or header.get("dtype") != "float16"
        or header.get("sequence_sha256") != sequence_hash(sequence)
        or len(payload) != shape[0] * shape[1] * 2
    ):
        return None
    return np.frombuffer(payload, dtype=np.float16).reshape(shape)


class EmbeddingCache:
    def __init__(self, root: str | Path, identity: EmbedderIdentity) -> None:
        self.root = Path(root).expanduser()
        self.identity = identity
        self.directory = self.root / identity.key()
        self.stats = CacheStats()
        cache_key()  # a bad key file is one line now, not after an hour of embedding

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
        embedding = decode_entry(data, sequence, self.directory)
        if embedding is None:
            if not foreign_frame(data, MAGIC):  # another key's entries are one warning per folder (protsweep.framed)
                log.warning("embedding cache: corrupt entry %s (it is recomputed)", path)
                self.stats.corrupt_paths.append(str(path))
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return embedding

    def store(self, sequence: str, embedding: np.ndarray, n_residues: int) -> None:
        data = encode_entry(sequence, embedding, n_residues)
        write_atomic(self.path(sequence), lambda tmp: tmp.write_bytes(data))
        self.stats.written += 1

    def claim_path(self, sequence: str) -> Path:
        return self.path(sequence).with_suffix(CLAIM)

    def claim(self, sequences: Iterable[str]) -> tuple[list[str], list[str]]:
        """``(mine, others)``: the sequences this process now holds claims on, and those a live process
        is embedding. Release yours with :meth:`release` (also after a failure)."""
        mine: list[str] = []
        others: list[str] = []
        for seq in sequences:
            (others if try_lock(self.claim_path(seq)) is not None else mine).append(seq)
        return mine, others

    def release(self, sequences: Iterable[str]) -> None:
        for seq in sequences:
            release(self.claim_path(seq))

    def wait_for(
        self, sequences: Iterable[str], shapes: dict[str, tuple[int, ...]], poll_s: float = 0.5
    ) -> list[str]:
        """Wait for entries other processes claimed, adding each one's shape to ``shapes`` as it appears (the
        bytes are read per batch later); returns those whose claimer went away without writing them (the caller
        claims and embeds them)."""
        waiting = list(sequences)
        orphaned: list[str] = []
        if waiting:
            log.info("embedding cache: waiting for %d entries another run is embedding", len(waiting))
        while waiting:
            still = []
            for seq in waiting:
                found = self._peek(seq)
                if found is not None:
                    shapes[seq] = found.shape
                    self.stats.hits += 1
                elif is_stale(read_holder(self.claim_path(seq))):
                    orphaned.append(seq)
                else:
                    still.append(seq)
            waiting = still
            if waiting:
                time.sleep(poll_s)
        return orphaned

    def _peek(self, sequence: str) -> np.ndarray | None:
        try:
            return decode_entry(self.path(sequence).read_bytes(), sequence, self.directory)
        except FileNotFoundError:
            return None

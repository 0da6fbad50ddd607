"""The framed entry format of protsweep's on-disk caches (ESM C embeddings, frozen ProteinBERT features,
clusters, the nearest-neighbour reference): a magic tag, a 32-byte HMAC-SHA256 tag, a 4-byte little-endian
header length, a JSON header that carries the payload's sha256, then the payload.

The tag signs the magic, the header length and the header with this user's cache key
(:mod:`protsweep.cache_key`, never stored in the cache folder); the header commits to the payload through its
sha256, so the tag authenticates the payload too and a read hashes the payload once, as an unsigned frame did.
Anyone can compute an entry's name and a matching sha256, but not the tag: an entry planted in a cache, copied
from a colleague's or downloaded (another key), or written before entries were signed, is refused like a damaged
one, and the first such refusal per cache folder is one warning. One owner of the format; each cache adds and
checks its own header fields (and its own second guard)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from protsweep.cache_key import cache_key, key_file

log = logging.getLogger(__name__)

_LEN = struct.Struct("<I")
TAG_BYTES = 32

_untrusted_noted: set[str] = set()


def _tag(magic: bytes, signed: bytes) -> bytes:
    return hmac.digest(cache_key(), magic + signed, "sha256")


def encode_frame(magic: bytes, header: Mapping[str, Any], payload: bytes) -> bytes:
    """``magic`` + tag + header length + the JSON header (with ``payload_sha256`` added) + ``payload``."""
    head = json.dumps({**header, "payload_sha256": hashlib.sha256(payload).hexdigest()}, sort_keys=True).encode()
    signed = _LEN.pack(len(head)) + head
    return magic + _tag(magic, signed) + signed + payload


def payload_offset(data: bytes, magic: bytes) -> int:
    """Where a frame's payload starts (after the magic, the tag, the header length and the header)."""
    (head_len,) = _LEN.unpack_from(data, len(magic) + TAG_BYTES)
    return len(magic) + TAG_BYTES + _LEN.size + head_len


def authentic(data: bytes, magic: bytes) -> bool:
    """Whether ``data`` starts with a frame header signed with this user's cache key (the payload unchecked)."""
    start = len(magic) + TAG_BYTES
    if len(data) < start + _LEN.size or not data.startswith(magic):
        return False
    end = payload_offset(data, magic)
    return end <= len(data) and hmac.compare_digest(data[len(magic) : start], _tag(magic, data[start:end]))


def foreign_frame(data: bytes, magic: bytes) -> bool:
    """Whether ``data`` has the frame's magic but no tag of this user's cache key (another key's entry, a planted
    or an unsigned one): :func:`decode_frame` warns about those once per folder, the caches not per entry."""
    return data.startswith(magic) and not authentic(data, magic)


def note_untrusted(folder: str | Path) -> None:
    """One warning per process and cache folder that holds entries this user's key did not sign."""
    if str(folder) not in _untrusted_noted:
        _untrusted_noted.add(str(folder))
        log.warning("cache %s: entries not written with this user's cache key (%s) are recomputed",
                    folder, key_file())


def decode_frame(data: bytes, magic: bytes, folder: str | Path | None = None) -> tuple[dict[str, Any], bytes] | None:
    """``(header, payload)`` when ``data`` is a complete frame signed with this user's cache key whose payload
    matches its recorded sha256; None for anything else (another format, cut short, a broken header, changed
    bytes, another key's or an unsigned entry). An entry with the magic but no valid tag is noted (one warning
    per ``folder``, the cache folder it was read from, when given)."""
    if not data.startswith(magic):
        return None
    if not authentic(data, magic):
        if folder is not None:
            note_untrusted(folder)
        return None
    try:
        header = json.loads(data[len(magic) + TAG_BYTES + _LEN.size : payload_offset(data, magic)])
    except (ValueError, TypeError):
        return None
    payload = data[payload_offset(data, magic) :]
    if not isinstance(header, dict) or not isinstance(header.get("payload_sha256"), str):
        return None
    if not hmac.compare_digest(hashlib.sha256(payload).hexdigest(), header["payload_sha256"]):
        return None
    return header, payload

"""The framed entry format of protsweep's on-disk caches (ESM C embeddings, frozen ProteinBERT features): a magic
tag, a 4-byte little-endian header length, a JSON header that carries the payload's sha256, then the payload.
One owner of the format; each cache adds and checks its own header fields."""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from typing import Any

_LEN = struct.Struct("<I")


def encode_frame(magic: bytes, header: Mapping[str, Any], payload: bytes) -> bytes:
    """``magic`` + header length + the JSON header (with ``payload_sha256`` added) + ``payload``."""
    head = json.dumps({**header, "payload_sha256": hashlib.sha256(payload).hexdigest()}, sort_keys=True).encode()
    return magic + _LEN.pack(len(head)) + head + payload


def payload_offset(data: bytes, magic: bytes) -> int:
    """Where a frame's payload starts (after the magic, the header length and the header)."""
    (head_len,) = _LEN.unpack_from(data, len(magic))
    return len(magic) + _LEN.size + head_len


def decode_frame(data: bytes, magic: bytes) -> tuple[dict[str, Any], bytes] | None:
    """``(header, payload)`` when ``data`` is a complete frame whose payload matches its recorded sha256;
    None for anything else (another format, cut short, a broken header, changed bytes)."""
    start = len(magic) + _LEN.size
    if len(data) < start or not data.startswith(magic):
        return None
    try:
        header = json.loads(data[start : payload_offset(data, magic)])
    except (ValueError, TypeError):
        return None
    payload = data[payload_offset(data, magic) :]
    if not isinstance(header, dict) or hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        return None
    return header, payload

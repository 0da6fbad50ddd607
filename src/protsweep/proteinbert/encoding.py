"""Token encoding, seq_len, truncation and padding.

Upstream silently *drops* training sequences longer than seq_len-2; protsweep truncates them and
counts them. ProteinBERT is not padding-invariant (its global attention and convolutions see PAD),
so every sequence is padded to a length that depends on the sequence alone, the same in training
and in evaluation:

- ``bucket`` (default): the sequence's own length + 2, rounded up to a multiple of 8;
- ``fixed`` (upstream): seq_len, or for a longer evaluation sequence the first doubling of seq_len
  that holds it (upstream's ``evaluate_by_len``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from protsweep.errors import ConfigError
from protsweep.proteinbert.tf_env import keras  # noqa: F401  (legacy Keras path before protein-bert)

from proteinbert.model_generation import tokenize_seqs  # isort: skip
from proteinbert.tokenization import ADDED_TOKENS_PER_SEQ, additional_token_to_index  # isort: skip

__all__ = [
    "ADDED_TOKENS_PER_SEQ",
    "END_TOKEN",
    "PADDINGS",
    "PAD_TOKEN",
    "START_TOKEN",
    "encode",
    "fitting_seq_len",
    "length_groups",
    "padded_length",
    "resolve_seq_len",
    "truncate",
]

PAD_TOKEN = additional_token_to_index["<PAD>"]
START_TOKEN = additional_token_to_index["<START>"]
END_TOKEN = additional_token_to_index["<END>"]
PADDINGS = ("bucket", "fixed")
LENGTH_MULTIPLE = 8


def round_up(value: int, multiple: int = LENGTH_MULTIPLE) -> int:
    return int(math.ceil(value / multiple) * multiple)


def fitting_seq_len(sequences: Sequence[str]) -> int:
    """The shortest seq_len (multiple of 8) that holds every sequence plus <START> and <END>."""
    longest = max((len(s) for s in sequences), default=1)
    return round_up(longest + ADDED_TOKENS_PER_SEQ)


def resolve_seq_len(setting: object, train_sequences: Sequence[str]) -> int:
    if str(setting) == "auto":
        return fitting_seq_len(train_sequences)
    try:
        seq_len = int(setting)  # type: ignore[call-overload]
    except (TypeError, ValueError) as err:
        raise ConfigError(f"trainer.seq_len must be 'auto' or an integer, not {setting!r}") from err
    if seq_len <= ADDED_TOKENS_PER_SEQ:
        raise ConfigError(f"trainer.seq_len={seq_len} leaves no room for residues (<START> and <END> take 2)")
    return seq_len


def truncate(sequences: Sequence[str], seq_len: int) -> tuple[list[str], int]:
    """Keep the first seq_len-2 residues of each sequence; return the sequences and how many were cut."""
    room = seq_len - ADDED_TOKENS_PER_SEQ
    cut = sum(len(s) > room for s in sequences)
    return [s[:room] for s in sequences], int(cut)


def padded_length(n_residues: int, padding: str, seq_len: int) -> int:
    if padding == "bucket":
        return round_up(n_residues + ADDED_TOKENS_PER_SEQ)
    if padding != "fixed":
        raise ConfigError(f"trainer.padding must be one of {', '.join(PADDINGS)}, not '{padding}'")
    length = seq_len
    while n_residues + ADDED_TOKENS_PER_SEQ > length:
        length *= 2
    return length


def length_groups(sequences: Sequence[str], padding: str, seq_len: int) -> dict[int, np.ndarray]:
    """Row indices of the sequences grouped by the length they are padded to."""
    lengths = np.array([padded_length(len(s), padding, seq_len) for s in sequences], dtype=int)
    return {int(length): np.flatnonzero(lengths == length) for length in np.unique(lengths)}


def encode(sequences: Sequence[str], length: int, n_annotations: int) -> list[np.ndarray]:
    """Model inputs padded to ``length``: token ids (PAD after <END>) and upstream's all-zero annotations."""
    sequences, _ = truncate(sequences, length)
    return [
        tokenize_seqs(list(sequences), length),
        np.zeros((len(sequences), n_annotations), dtype=np.int8),
    ]

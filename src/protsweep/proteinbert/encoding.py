"""Token encoding, automatic seq_len and truncation (upstream silently *drops* long sequences; we truncate)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from protsweep.errors import ConfigError
from protsweep.proteinbert.tf_env import keras  # noqa: F401  (legacy Keras path before protein-bert)

from proteinbert.model_generation import tokenize_seqs  # isort: skip
from proteinbert.tokenization import ADDED_TOKENS_PER_SEQ, additional_token_to_index  # isort: skip

PAD_TOKEN = additional_token_to_index["<PAD>"]


def round_up(value: int, multiple: int = 8) -> int:
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


def encode(sequences: Sequence[str], seq_len: int, n_annotations: int) -> list[np.ndarray]:
    """Model inputs: token ids (PAD after <END>) and the all-zero annotation vector upstream feeds."""
    sequences, _ = truncate(sequences, seq_len)
    return [
        tokenize_seqs(list(sequences), seq_len),
        np.zeros((len(sequences), n_annotations), dtype=np.int8),
    ]

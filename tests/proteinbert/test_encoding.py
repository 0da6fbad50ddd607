"""seq_len auto, truncation instead of upstream's silent dropping, and eval at a length that fits."""

from __future__ import annotations

import numpy as np
import pytest

from protsweep.errors import ConfigError
from protsweep.proteinbert.encoding import PAD_TOKEN, encode, fitting_seq_len, resolve_seq_len, truncate


@pytest.mark.parametrize(("longest", "expected"), [(1, 8), (6, 8), (7, 16), (14, 16), (30, 32), (174, 176), (510, 512)])
def test_auto_is_longest_plus_two_rounded_up_to_8(longest: int, expected: int) -> None:
    seqs = ["A" * 3, "K" * longest, "W"]
    assert resolve_seq_len("auto", seqs) == expected
    assert expected % 8 == 0 and expected >= longest + 2 and expected - 8 < longest + 2


def test_fixed_seq_len_and_bad_values() -> None:
    assert resolve_seq_len(64, ["A"]) == 64
    assert resolve_seq_len("64", ["A"]) == 64
    with pytest.raises(ConfigError, match=r"trainer\.seq_len"):
        resolve_seq_len("long", ["A"])
    with pytest.raises(ConfigError, match="no room"):
        resolve_seq_len(2, ["A"])


def test_truncation_keeps_seq_len_minus_2_and_counts() -> None:
    seqs = ["A" * 6, "C" * 7, "D" * 20, "E"]
    cut, n = truncate(seqs, 8)
    assert n == 2
    assert cut == ["A" * 6, "C" * 6, "D" * 6, "E"]


def test_encoding_never_drops_a_sequence() -> None:
    seqs = ["ACDEFGHIK" * 10, "AC"]
    tokens, annotations = encode(seqs, 16, n_annotations=5)
    assert tokens.shape == (2, 16)
    assert annotations.shape == (2, 5) and not annotations.any()
    assert (tokens[1, 4:] == PAD_TOKEN).all()  # <START> A C <END> then PAD
    assert not (tokens[0] == PAD_TOKEN).any()


def test_fitting_seq_len_holds_every_eval_sequence() -> None:
    seqs = ["A" * 10, "K" * 45]
    length = fitting_seq_len(seqs)
    tokens, _ = encode(seqs, length, 1)
    assert length == 48
    assert (tokens[1] != PAD_TOKEN).sum() == 47 and np.all(tokens[1, 47:] == PAD_TOKEN)

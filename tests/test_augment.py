"""D1/D2: online augmentation keeps its promises (bounds, rate, BLOSUM62 ordering, a fresh draw per epoch)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from Bio.Align import substitution_matrices
from hydra.utils import instantiate
from scipy.stats import chisquare, spearmanr

from protsweep.augment import (
    STANDARD_ALPHABET,
    Anchor,
    BlosumSubstitution,
    Compose,
    RandomTruncation,
    blosum_substitution_table,
)

from .conftest import compose_config

BLOSUM62 = substitution_matrices.load("BLOSUM62")


def random_sequences(n: int, low: int, high: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    letters = np.array(list(STANDARD_ALPHABET))
    return ["".join(rng.choice(letters, size=int(k))) for k in rng.integers(low, high + 1, size=n)]


def test_imports_neither_tensorflow_nor_torch() -> None:
    code = "import sys, protsweep.augment; print(sorted({'tensorflow', 'torch', 'tf_keras'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------ D1 truncation
@pytest.mark.parametrize("anchor", ["random", "start", "end"])
def test_truncation_keeps_80_to_100_percent_as_one_window(anchor: str) -> None:
    seqs = random_sequences(500, 1, 120)
    out = RandomTruncation(0.8, 1.0, anchor)(seqs, np.random.default_rng(1))
    assert len(out) == len(seqs)
    for original, kept in zip(seqs, out, strict=True):
        length = len(original)
        assert max(1, math.ceil(0.8 * length - 1e-9)) <= len(kept) <= length
        assert kept in original  # one contiguous window
        if anchor == Anchor.start.value:
            assert original.startswith(kept)
        if anchor == Anchor.end.value:
            assert original.endswith(kept)


def test_truncation_bounds_are_exact_and_both_reached() -> None:
    truncate = RandomTruncation(0.8, 1.0)
    lo, hi = truncate.bounds(np.array([1, 2, 5, 10, 100]))
    assert lo.tolist() == [1, 2, 4, 8, 80]  # 0.8 * 5 = 4.000000000000001 must not round up to 5
    assert hi.tolist() == [1, 2, 5, 10, 100]
    lengths = {len(s) for s in truncate(["A" * 100] * 2000, np.random.default_rng(0))}
    assert lengths == set(range(80, 101))  # uniform over the whole range, ends included


def test_truncation_random_anchor_uses_every_offset() -> None:
    seq = "".join(STANDARD_ALPHABET) * 2  # 40 residues, every window position identifiable
    out = RandomTruncation(0.8, 0.8, "random")([seq] * 2000, np.random.default_rng(0))
    offsets = {seq.find(kept) for kept in out}
    assert {len(kept) for kept in out} == {32}
    assert offsets == set(range(0, 9))


def test_truncation_differs_between_epochs() -> None:
    seqs = random_sequences(64, 50, 100)
    truncate = RandomTruncation()
    rng = np.random.default_rng(0)
    first, second = truncate(seqs, rng), truncate(seqs, rng)
    assert sum(a != b for a, b in zip(first, second, strict=True)) > 32
    assert truncate(seqs, np.random.default_rng(0)) == first  # reproducible from the seed


def test_truncation_edge_cases() -> None:
    out = RandomTruncation(0.1, 0.2)(["", "A", "AC", "ACDEFGHIKL"], np.random.default_rng(0))
    assert out[0] == "" and out[1] == "A" and len(out[2]) == 1 and len(out[3]) == 2
    with pytest.raises(ValueError):
        RandomTruncation(0.0, 1.0)
    with pytest.raises(ValueError):
        RandomTruncation(0.9, 0.8)
    with pytest.raises(ValueError):
        RandomTruncation(anchor="middle")


# ------------------------------------------------------------------------------------------ D2 BLOSUM62
def test_substitution_table_is_softmax_of_blosum62_without_self() -> None:
    table = blosum_substitution_table(STANDARD_ALPHABET, temperature=1.0)
    assert table.shape == (20, 20)
    assert np.allclose(table.sum(axis=1), 1.0)
    assert np.all(np.diag(table) == 0.0)
    a, s, w = (STANDARD_ALPHABET.index(c) for c in "ASW")
    # P(A->S) / P(A->W) = exp(BLOSUM62[A,S] - BLOSUM62[A,W]) = exp(1 - (-3))
    assert table[a, s] / table[a, w] == pytest.approx(math.exp(BLOSUM62["A", "S"] - BLOSUM62["A", "W"]))
    hot = blosum_substitution_table(STANDARD_ALPHABET, temperature=100.0)
    off_diagonal = hot[~np.eye(20, dtype=bool)]
    assert off_diagonal.max() / off_diagonal.min() < 1.2  # a high temperature flattens the draw


def test_substitution_rate_is_p() -> None:
    seqs = random_sequences(2000, 80, 120, seed=3)  # ~200k residues
    out = BlosumSubstitution(p=0.05)(seqs, np.random.default_rng(0))
    assert [len(s) for s in out] == [len(s) for s in seqs]
    total = sum(len(s) for s in seqs)
    changed = sum(a != b for x, y in zip(seqs, out, strict=True) for a, b in zip(x, y, strict=True))
    sd = math.sqrt(0.05 * 0.95 / total)
    assert abs(changed / total - 0.05) < 5 * sd


def test_substitutions_follow_blosum62_ordering() -> None:
    """~2x10^5 substitutions (~10^4 per residue): the targets' frequencies follow exp(BLOSUM62 / T)."""
    substitute = BlosumSubstitution(p=0.5)
    seqs = [STANDARD_ALPHABET * 1000] * 20
    out = substitute(seqs, np.random.default_rng(7))
    src = np.frombuffer("".join(seqs).encode(), dtype=np.uint8)
    dst = np.frombuffer("".join(out).encode(), dtype=np.uint8)
    index = {ord(c): i for i, c in enumerate(STANDARD_ALPHABET)}
    counts = np.zeros((20, 20), dtype=np.int64)
    moved = src != dst
    np.add.at(counts, ([index[c] for c in src[moved]], [index[c] for c in dst[moved]]), 1)
    assert counts.sum() > 150_000
    assert np.all(np.diag(counts) == 0)  # a residue is never "substituted" by itself
    for i, residue in enumerate(STANDARD_ALPHABET):
        others = [j for j in range(20) if j != i]
        scores = np.array([BLOSUM62[residue, STANDARD_ALPHABET[j]] for j in others])
        observed = counts[i, others]
        expected = substitute.table[i, others] * observed.sum()
        assert chisquare(observed, expected).pvalue > 1e-4, residue
        assert spearmanr(observed, scores).statistic > 0.85, residue
        # pairwise: a higher BLOSUM62 score means more substitutions (where both counts are large)
        for a in range(19):
            for b in range(19):
                if scores[a] > scores[b] and min(expected[a], expected[b]) >= 200:
                    assert observed[a] > observed[b], (residue, STANDARD_ALPHABET[others[a]])


def test_substitution_leaves_other_characters_and_differs_between_epochs() -> None:
    substitute = BlosumSubstitution(p=1.0)
    out = substitute(["XXXX", "AXA", "acde"], np.random.default_rng(0))
    assert out[0] == "XXXX" and out[1][1] == "X" and out[2] == "acde"
    assert out[1][0] != "A" and out[1][2] != "A"
    seqs = random_sequences(32, 50, 60)
    rng = np.random.default_rng(0)
    first, second = BlosumSubstitution()(seqs, rng), BlosumSubstitution()(seqs, rng)
    assert first != second
    assert BlosumSubstitution(p=0.0)(seqs, rng) == seqs


def test_substitution_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        BlosumSubstitution(p=1.5)
    with pytest.raises(ValueError):
        BlosumSubstitution(temperature=0.0)
    with pytest.raises(ValueError):
        BlosumSubstitution(alphabet="AAC")


# ------------------------------------------------------------------------------------------ options
def build(*overrides: str) -> object:
    return instantiate(compose_config(*overrides).augment)


def test_every_augment_option_builds_its_augmenter() -> None:
    assert build("augment=none") is None
    truncate = build("augment=truncate", "augment.min_frac=0.7", "augment.max_frac=0.9", "augment.anchor=end")
    assert isinstance(truncate, RandomTruncation)
    assert (truncate.min_frac, truncate.max_frac, truncate.anchor) == (0.7, 0.9, Anchor.end)
    blosum = build("augment=blosum", "augment.p=0.1", "augment.temperature=2.0")
    assert isinstance(blosum, BlosumSubstitution) and (blosum.p, blosum.temperature) == (0.1, 2.0)
    both = build("augment=truncate_blosum")
    assert isinstance(both, Compose)
    assert [type(a) for a in both.augmenters] == [RandomTruncation, BlosumSubstitution]


def test_compose_applies_both() -> None:
    seqs = ["A" * 100] * 200
    out = build("augment=truncate_blosum", "augment.steps.blosum.p=0.2")(seqs, np.random.default_rng(0))
    assert all(80 <= len(s) <= 100 for s in out)
    assert sum(len(s) - s.count("A") for s in out) / sum(len(s) for s in out) == pytest.approx(0.2, abs=0.02)

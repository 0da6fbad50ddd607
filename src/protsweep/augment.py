"""Online sequence augmentation for training data (routes D1, D2): pure numpy + Biopython.

The runner calls an :class:`Augmenter` on the *training* sequences once per epoch with the job's
generator, so every epoch sees a fresh draw; validation and test sequences never pass through here.
No TensorFlow or torch import: the Siamese family and the aggregator may import this module.
"""

from __future__ import annotations

import itertools
from enum import Enum
from typing import Protocol

import numpy as np

STANDARD_ALPHABET = "ACDEFGHIKLMNPQRSTVWY"
# A tiny slack so that e.g. 0.8 * 5 = 4.000000000000001 rounds up to 4, not 5.
_EPS = 1e-9


class Augmenter(Protocol):
    def __call__(self, seqs: list[str], rng: np.random.Generator) -> list[str]: ...


class Anchor(Enum):
    """Where a truncation window sits: ``start`` keeps the N-terminus, ``end`` the C-terminus."""

    random = "random"
    start = "start"
    end = "end"


def no_augmentation() -> None:
    """``augment=none``: no augmenter (the training sequences are used as they are)."""
    return None


class RandomTruncation:
    """Keep one contiguous window per sequence, its length uniform in [ceil(min_frac·L), floor(max_frac·L)].

    ``anchor`` says where the window sits: ``start`` keeps the N-terminus, ``end`` the C-terminus, ``random``
    draws the offset uniformly among all windows of that length. A window is never shorter than one residue,
    and never shorter than ``ceil(min_frac·L)`` (when ``max_frac·L`` rounds below that, the bound wins).
    """

    def __init__(self, min_frac: float = 0.8, max_frac: float = 1.0, anchor: Anchor = Anchor.random) -> None:
        if not 0.0 < min_frac <= max_frac <= 1.0:
            raise ValueError(f"truncation needs 0 < min_frac <= max_frac <= 1, got {min_frac}, {max_frac}")
        try:
            self.anchor = Anchor(getattr(anchor, "value", anchor))
        except ValueError:
            names = ", ".join(a.value for a in Anchor)
            raise ValueError(f"truncation anchor must be one of {names}, got {anchor!r}") from None
        self.min_frac = float(min_frac)
        self.max_frac = float(max_frac)

    def bounds(self, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest kept length for each sequence length (both inclusive)."""
        lengths = np.asarray(lengths, dtype=np.int64)
        lo = np.ceil(self.min_frac * lengths - _EPS).astype(np.int64)
        hi = np.floor(self.max_frac * lengths + _EPS).astype(np.int64)
        lo = np.clip(lo, 1, np.maximum(lengths, 1))
        hi = np.clip(np.maximum(hi, lo), 1, np.maximum(lengths, 1))
        return lo, hi

    def __call__(self, seqs: list[str], rng: np.random.Generator) -> list[str]:
        if not seqs:
            return []
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        lo, hi = self.bounds(lengths)
        keep = rng.integers(lo, hi + 1)
        slack = np.maximum(lengths - keep, 0)
        starts = {Anchor.start: lambda: np.zeros_like(slack), Anchor.end: lambda: slack}
        start = starts.get(self.anchor, lambda: rng.integers(0, slack + 1))()
        stop = start + keep
        return [s[a:b] if s else s for s, a, b in zip(seqs, start.tolist(), stop.tolist(), strict=True)]

    def __repr__(self) -> str:
        return f"RandomTruncation(min_frac={self.min_frac}, max_frac={self.max_frac}, anchor={self.anchor.value!r})"


def blosum_substitution_table(alphabet: str = STANDARD_ALPHABET, temperature: float = 1.0) -> np.ndarray:
    """Row i: P(``alphabet[i]`` -> each residue) ∝ exp(BLOSUM62 / T), the residue itself excluded."""
    from Bio.Align import substitution_matrices

    if temperature <= 0:
        raise ValueError(f"BLOSUM temperature must be > 0, got {temperature}")
    if len(set(alphabet)) != len(alphabet) or len(alphabet) < 2:
        raise ValueError(f"alphabet must hold at least two distinct residues, got {alphabet!r}")
    blosum = substitution_matrices.load("BLOSUM62")
    missing = sorted(set(alphabet) - set(blosum.alphabet))
    if missing:
        raise ValueError(f"BLOSUM62 has no row for {''.join(missing)}")
    scores = np.array([[blosum[a, b] for b in alphabet] for a in alphabet], dtype=np.float64)
    # subtract each row's max before exp: same probabilities, no overflow at small T
    logits = scores / temperature
    np.fill_diagonal(logits, -np.inf)
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


class BlosumSubstitution:
    """Replace each residue with probability ``p`` by another one drawn ∝ exp(BLOSUM62 score / T).

    Every selected residue changes (the residue itself is excluded from the draw), so the realised
    substitution rate over alphabet residues is ``p``. Characters outside ``alphabet`` (X, U, lower case)
    are left alone. The whole batch is one vectorised draw: the sequences are joined into one byte array.
    """

    def __init__(self, p: float = 0.05, temperature: float = 1.0, alphabet: str = STANDARD_ALPHABET) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"substitution probability p must lie in [0, 1], got {p}")
        if not alphabet.isascii():
            raise ValueError(f"alphabet must be ASCII, got {alphabet!r}")
        self.p = float(p)
        self.temperature = float(temperature)
        self.alphabet = alphabet
        self.table = blosum_substitution_table(alphabet, temperature)
        # Dividing by the row total makes each row end at exactly 1.0, and a zero-probability column (the
        # residue itself) repeats its left neighbour exactly, so inverse-CDF sampling can never pick it.
        cdf = np.cumsum(self.table, axis=1)
        self._cdf = cdf / cdf[:, -1:]
        self._letters = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
        self._index = np.full(256, -1, dtype=np.int64)
        self._index[self._letters] = np.arange(len(alphabet))

    def __call__(self, seqs: list[str], rng: np.random.Generator) -> list[str]:
        if not seqs or self.p == 0.0:
            return list(seqs)
        joined = "".join(seqs)
        try:
            codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).copy()
        except UnicodeEncodeError as err:
            raise ValueError("BLOSUM substitution needs ASCII sequences") from err
        source = self._index[codes]
        chosen = np.flatnonzero((rng.random(codes.size) < self.p) & (source >= 0))
        if chosen.size:
            rows = self._cdf[source[chosen]]
            u = rng.random(chosen.size)[:, None]
            target = (rows <= u).sum(axis=1)  # first column whose cumulative probability exceeds u
            codes[chosen] = self._letters[target]
        text = codes.tobytes().decode("ascii")
        bounds = np.cumsum([0, *(len(s) for s in seqs)]).tolist()
        return [text[a:b] for a, b in itertools.pairwise(bounds)]

    def __repr__(self) -> str:
        return f"BlosumSubstitution(p={self.p}, temperature={self.temperature}, alphabet={self.alphabet!r})"


class Compose:
    """Apply augmenters in order, all drawing from the same generator. ``steps`` maps a name to each
    augmenter (in the config: the other ``augment`` options, composed in by name)."""

    def __init__(self, steps: dict[str, Augmenter] | None = None) -> None:
        self.augmenters = list((steps or {}).values())

    def __call__(self, seqs: list[str], rng: np.random.Generator) -> list[str]:
        out = list(seqs)
        for augment in self.augmenters:
            out = augment(out, rng)
        return out

    def __repr__(self) -> str:
        return f"Compose({self.augmenters!r})"

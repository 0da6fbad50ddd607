"""Batches for the embedder. Sorted by length, each batch is grown while it stays within a token budget
and its padded share stays at or under ``max_pad_frac``; so the padded share of all tokens does too.

Lengths here are token counts (residues after truncation, plus BOS and EOS).
"""

from __future__ import annotations

from collections.abc import Sequence


def length_sorted_batches(lengths: Sequence[int], batch_tokens: int, max_pad_frac: float) -> list[list[int]]:
    """Index batches, shortest sequences first. A sequence longer than the budget gets a batch of its own."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    real = 0
    for index in order:
        length = lengths[index]
        if current:
            width = max(length, lengths[current[-1]])  # sorted: the newcomer is the longest
            size = len(current) + 1
            padded = size * width - (real + length)
            if size * width > batch_tokens or padded > max_pad_frac * size * width:
                batches.append(current)
                current, real = [], 0
        current.append(index)
        real += length
    if current:
        batches.append(current)
    return batches


def fixed_size_batches(n: int, batch_size: int) -> list[list[int]]:
    """Batches in input order (the unsorted baseline of the throughput benchmark)."""
    return [list(range(start, min(start + batch_size, n))) for start in range(0, n, batch_size)]


def padding_stats(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> dict[str, float | int]:
    """Real and padded token counts of a batching, and the padded share of all tokens."""
    real = sum(lengths[i] for batch in batches for i in batch)
    total = sum(len(batch) * max(lengths[i] for i in batch) for batch in batches if batch)
    return {
        "batches": len(batches),
        "real_tokens": int(real),
        "total_tokens": int(total),
        "padded_share": round((total - real) / total, 4) if total else 0.0,
    }

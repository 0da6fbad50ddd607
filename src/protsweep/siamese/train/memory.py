"""Giving freed host memory back to the operating system between training steps.

Siamese batches change shape every step (lengths vary), and glibc's allocator keeps the freed activation
buffers of earlier shapes in fragmented arenas: on CPU the resident memory of a run on all of Guo kept growing
to several GB although one step needs a few hundred MB (bench/bench_siamese_memory.py). ``malloc_trim(0)``
after each forward+backward pass (each part of a batch split by the budget) releases those pages; the next
pass faults fresh ones in, which costs a few per cent of a CPU step. Elsewhere than glibc (macOS, musl)
there is nothing to call and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return the allocator's free pages to the OS; False where the C library has no ``malloc_trim``."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True

"""Reading upstream's ProteinBERT dump (a pickle) without letting it run code.

The dump is ``(n_annotations, model weights, optimizer weights)``: ints and lists of numpy arrays. The
unpickler below resolves only the globals numpy arrays need, so a pickle that names anything else (the
way a planted payload calls ``os.system``) is refused before it runs. ``model.weights_sha256``, when
given, is checked before unpickling.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from protsweep.errors import ProtsweepError

#: (module, name) pairs a dump of numpy arrays needs; numpy 1 and numpy 2 spell the module differently.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    (module, name)
    for module in ("numpy.core.multiarray", "numpy._core.multiarray")
    for name in ("_reconstruct", "scalar")
) | {("numpy", "ndarray"), ("numpy", "dtype"), ("builtins", "slice"), ("_codecs", "encode")}


class ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"it names {module}.{name}, which a dump of arrays never needs")
        return super().find_class(module, name)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str | None) -> None:
    if expected and sha256_of(path) != expected.lower():
        raise ProtsweepError(
            f"{path}: SHA-256 differs from model.weights_sha256={expected} (a partial download, or another "
            "file): delete it or fix model.weights_sha256"
        )


def _shape(kind: str, path: Path, check: Callable[[], bool]) -> None:
    if not check():
        raise ProtsweepError(
            f"{path}: not a ProteinBERT dump: {kind} (expected a pickle of (n_annotations: int, "
            "weights: list of arrays, optimizer weights))"
        )


Dump = tuple[int, list[np.ndarray], Any]
#: The last dump read, keyed by (path, size, mtime, expected sha): the config check reads it before
#: TensorFlow starts, and the runner gets the same arrays without a second read.
_LAST: dict[tuple[str, int, int, str | None], Dump] = {}


def load_dump(path: Path, expected_sha256: str | None = None) -> Dump:
    """``(n_annotations, weights, optimizer_weights)`` from upstream's dump, each part checked."""
    try:
        stat = path.stat()
    except OSError as err:
        raise ProtsweepError(f"{path}: cannot read the ProteinBERT dump: {err.strerror}") from err
    key = (str(path), stat.st_size, stat.st_mtime_ns, expected_sha256)
    if key not in _LAST:
        _LAST.clear()
        _LAST[key] = _read_dump(path, expected_sha256)
    return _LAST[key]


def _read_dump(path: Path, expected_sha256: str | None) -> Dump:
    check_sha256(path, expected_sha256)
    try:
        with path.open("rb") as handle:
            obj = ArraysOnlyUnpickler(io.BufferedReader(handle)).load()
    except (OSError, pickle.UnpicklingError, ValueError, EOFError, TypeError, AttributeError, IndexError) as err:
        raise ProtsweepError(f"{path}: not a ProteinBERT dump (unreadable or truncated pickle): {err}") from err
    except (MemoryError, OverflowError) as err:  # an array header claiming more than any real dump holds
        raise ProtsweepError(f"{path}: not a ProteinBERT dump: it claims an array larger than memory ({err})") from err
    _shape("not a 3-tuple", path, lambda: isinstance(obj, (tuple, list)) and len(obj) == 3)
    n_annotations, weights, optimizer_weights = obj
    _shape("n_annotations is not a positive int", path,
           lambda: isinstance(n_annotations, (int, np.integer)) and not isinstance(n_annotations, bool)
           and n_annotations > 0)
    _shape("weights is not a list of numeric arrays", path,
           lambda: isinstance(weights, (list, tuple)) and len(weights) > 0
           and all(isinstance(w, np.ndarray) and w.dtype.kind in "fiu" for w in weights))
    return int(n_annotations), list(weights), optimizer_weights

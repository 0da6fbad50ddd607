"""The one place TensorFlow is imported, on the legacy Keras path protein-bert needs.

protein-bert 1.0.1 breaks under Keras 3 (``Adam(lr=...)`` is rejected and ``optimizer.lr = x`` silently
does nothing, so staged learning rates would be ignored). ``TF_USE_LEGACY_KERAS=1`` before TensorFlow's
first import makes ``tensorflow.keras`` - which protein-bert uses - resolve to ``tf_keras`` (Keras 2).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    raise ImportError(
        "TensorFlow was imported before protsweep could set TF_USE_LEGACY_KERAS=1; "
        "import protsweep.proteinbert.tf_env first (protein-bert needs tf-keras)"
    )
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TF's C++ chatter (CUDA probes on a CPU machine)



_LOG_PREFIX = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ")  # absl's "I0000 00:00:1796586099.996580    5950 "


def once_each(text: str) -> str:
    """``text`` with every repeated line left out (absl lines compared without their time and thread)."""
    seen: set[str] = set()
    kept = []
    for line in text.splitlines(keepends=True):
        key = _LOG_PREFIX.sub("", line).strip()
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return "".join(kept)


@contextmanager
def _start_up_lines_once(fd: int = 2) -> Iterator[None]:
    """TensorFlow's start-up lines (oneDNN, CUDA probe) come once per shared library it loads, before any log
    level applies: hold stderr while it loads, then write what it said with each line once."""
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            held.seek(0)
            sys.stderr.write(once_each(held.read().decode("utf-8", errors="replace")))
            sys.stderr.flush()


with _start_up_lines_once():
    import tensorflow as tf
    import tf_keras as keras

if not tf.keras.__name__.startswith("tf_keras"):
    raise ImportError(f"tensorflow.keras resolves to {tf.keras.__name__}, not tf_keras; protein-bert needs tf-keras")

tf.get_logger().setLevel("ERROR")  # retracing notices when each stage builds a fresh model

__all__ = ["keras", "tf"]

"""The one place TensorFlow is imported, on the legacy Keras path protein-bert needs.

protein-bert 1.0.1 breaks under Keras 3 (``Adam(lr=...)`` is rejected and ``optimizer.lr = x`` silently
does nothing, so staged learning rates would be ignored). ``TF_USE_LEGACY_KERAS=1`` before TensorFlow's
first import makes ``tensorflow.keras`` - which protein-bert uses - resolve to ``tf_keras`` (Keras 2).
"""

from __future__ import annotations

import os
import sys

if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    raise ImportError(
        "TensorFlow was imported before protsweep could set TF_USE_LEGACY_KERAS=1; "
        "import protsweep.proteinbert.tf_env first (protein-bert needs tf-keras)"
    )
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TF's C++ chatter (CUDA probes on a CPU machine)

import tensorflow as tf
import tf_keras as keras

if not tf.keras.__name__.startswith("tf_keras"):
    raise ImportError(f"tensorflow.keras resolves to {tf.keras.__name__}, not tf_keras; protein-bert needs tf-keras")

tf.get_logger().setLevel("ERROR")  # retracing notices when each stage builds a fresh model

__all__ = ["keras", "tf"]

"""Losses (Keras's own), built from the ``loss`` config group."""

from __future__ import annotations

from typing import Any

from protsweep.proteinbert.tf_env import keras


def bce(label_smoothing: float = 0.0, name: str = "bce") -> Any:
    """Binary cross-entropy; label smoothing moves targets y to y(1-ε) + ε/2."""
    return keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing, name=name)


def focal(gamma: float = 2.0, alpha: float = 0.25, label_smoothing: float = 0.0, name: str = "focal") -> Any:
    """Focal loss (A2). Keras ignores ``alpha`` unless ``apply_class_balancing=True``: set here, so α takes effect."""
    return keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=alpha, gamma=gamma, label_smoothing=label_smoothing, name=name
    )

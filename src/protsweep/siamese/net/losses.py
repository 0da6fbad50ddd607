"""Losses of the pair model, built from the shared ``loss`` group.

bce and focal follow the ProteinBERT family's meaning (Keras's BinaryCrossentropy and
BinaryFocalCrossentropy with class balancing): label smoothing ε trains on targets {ε, 1 - ε}, focal
weighs positives by α and negatives by 1 - α. ``contrastive`` is the margin contrastive loss on the distance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from protsweep.schema import BceLossConfig, ContrastiveLossConfig, FocalLossConfig, LossConfig
from protsweep.siamese.net.heads import PairOutput

LossFn = Callable[[PairOutput, torch.Tensor], torch.Tensor]


def smooth(labels: torch.Tensor, epsilon: float) -> torch.Tensor:
    """Label smoothing ε: targets {ε, 1 - ε}, as for ProteinBERT (C3)."""
    return labels * (1.0 - 2.0 * epsilon) + epsilon


def bce_loss(label_smoothing: float = 0.0) -> LossFn:
    def loss(out: PairOutput, labels: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(out.raw, smooth(labels, label_smoothing))

    return loss


def focal_loss(gamma: float = 2.0, alpha: float = 0.25, label_smoothing: float = 0.0) -> LossFn:
    def loss(out: PairOutput, labels: torch.Tensor) -> torch.Tensor:
        target = smooth(labels, label_smoothing)
        prob = torch.sigmoid(out.raw)
        ce = F.binary_cross_entropy_with_logits(out.raw, target, reduction="none")
        p_t = target * prob + (1.0 - target) * (1.0 - prob)
        weight = target * alpha + (1.0 - target) * (1.0 - alpha)
        return (weight * (1.0 - p_t) ** gamma * ce).mean()

    return loss


def contrastive_loss(margin: float = 1.0) -> LossFn:
    """Positives (1) are pulled to distance 0, negatives (0) pushed beyond the margin."""

    def loss(out: PairOutput, labels: torch.Tensor) -> torch.Tensor:
        dist = out.raw
        return (labels * dist**2 + (1.0 - labels) * F.relu(margin - dist) ** 2).mean()

    return loss


#: one registry from the ``loss`` spec's type to the torch loss (the spec's fields are its arguments)
TORCH_LOSSES: dict[type[LossConfig], Callable[[Any], LossFn]] = {
    BceLossConfig: lambda spec: bce_loss(spec.label_smoothing),
    FocalLossConfig: lambda spec: focal_loss(spec.gamma, spec.alpha, spec.label_smoothing),
    ContrastiveLossConfig: lambda spec: contrastive_loss(spec.margin),
}


def build_loss(spec: LossConfig) -> LossFn:
    """The torch loss for a ``loss`` spec (checked against the pair head by :func:`resolve_head` first)."""
    return TORCH_LOSSES[type(spec)](spec)

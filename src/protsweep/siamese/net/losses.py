"""Losses of the pair model, built from the shared ``loss`` group.

bce and focal follow the ProteinBERT family's meaning (Keras's BinaryCrossentropy and
BinaryFocalCrossentropy with class balancing): label smoothing moves targets y to y(1 - ε) + ε/2, focal
weighs positives by α and negatives by 1 - α. ``contrastive`` is the margin contrastive loss on the distance.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from omegaconf import DictConfig

from protsweep.siamese.net.heads import PairOutput

LossFn = Callable[[PairOutput, torch.Tensor], torch.Tensor]


def smooth(labels: torch.Tensor, epsilon: float) -> torch.Tensor:
    return labels * (1.0 - epsilon) + 0.5 * epsilon


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


def build_loss(loss_cfg: DictConfig) -> LossFn:
    name = str(loss_cfg.name)
    if name == "bce":
        return bce_loss(float(loss_cfg.get("label_smoothing", 0.0)))
    if name == "focal":
        return focal_loss(
            float(loss_cfg.get("gamma", 2.0)),
            float(loss_cfg.get("alpha", 0.25)),
            float(loss_cfg.get("label_smoothing", 0.0)),
        )
    if name == "contrastive":
        return contrastive_loss(float(loss_cfg.margin))
    raise ValueError(f"unknown loss {name}")  # compat.check_config rejects it first

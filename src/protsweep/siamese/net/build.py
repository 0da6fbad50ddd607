"""One registry from ``model.arch`` to the network class and to how a split's examples become tensors."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import torch
from omegaconf import DictConfig
from torch import nn

from protsweep.schema import Distance
from protsweep.siamese.net.complex import ComplexSiameseModel
from protsweep.siamese.net.complex_inputs import ComplexTensors
from protsweep.siamese.net.model import PairModel
from protsweep.siamese.schema import Arch, PairHead, choice
from protsweep.siamese.train.batches import PairTensors

#: model.arch -> (network class, the split's tensors)
NETWORKS: dict[Arch, tuple[type[nn.Module], Callable[[pd.DataFrame, dict[str, torch.Tensor]], PairTensors]]] = {
    Arch.siamese: (PairModel, PairTensors),
    Arch.pseudo_siamese: (PairModel, PairTensors),
    Arch.complex_siamese: (ComplexSiameseModel, ComplexTensors),
}


def build_network(
    d_in: int, model_cfg: DictConfig, head: PairHead, distance: Distance = Distance.euclidean, margin: float = 1.0
) -> nn.Module:
    network, _ = NETWORKS[choice(Arch, model_cfg.arch, "model.arch")]
    return network(d_in, model_cfg, head, distance, margin)


def split_tensors(
    model_cfg: DictConfig, frame: pd.DataFrame, embeddings: dict[str, torch.Tensor], train: bool
) -> PairTensors:
    """A split's examples over the shared embeddings. The training split fits ``target`` (the 0/1 label, or
    the soft value); valid and test keep the 0/1 ``label`` (validation loss, AUC, early stopping)."""
    _, tensors = NETWORKS[choice(Arch, model_cfg.arch, "model.arch")]
    if train and "target" in frame.columns:
        frame = frame.assign(label=frame["target"].astype(float))
    return tensors(frame, embeddings)

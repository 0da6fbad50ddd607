"""``trainer.init_backbone_only`` for Siamese models: the parent's encoders only, the head left as initialised."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from protsweep.siamese.model_io import load_encoders


class Pair(nn.Module):
    def __init__(self, head_out: int) -> None:
        super().__init__()
        self.encoders = nn.ModuleList([nn.Linear(4, 3)])
        self.head = nn.Linear(3, head_out)


def test_encoders_come_from_the_parent_and_the_head_stays(tmp_path: Path) -> None:
    torch.manual_seed(0)
    parent, child = Pair(head_out=2), Pair(head_out=1)  # another head: a full load could not fit
    path = tmp_path / "model.safetensors"
    save_file(parent.state_dict(), str(path))
    head_before = child.head.weight.detach().clone()
    load_encoders(child, path, lambda err: ValueError(f"misfit: {err}"))
    assert torch.equal(child.encoders[0].weight, parent.encoders[0].weight)
    assert torch.equal(child.head.weight, head_before)


def test_other_encoders_are_a_misfit(tmp_path: Path) -> None:
    parent, child = Pair(head_out=1), Pair(head_out=1)
    child.encoders.append(nn.Linear(4, 3))  # a pseudo-Siamese child: two encoders
    path = tmp_path / "model.safetensors"
    save_file(parent.state_dict(), str(path))
    with pytest.raises(ValueError, match="misfit: its encoders hold 2 tensors, this run's 4"):
        load_encoders(child, path, lambda err: ValueError(f"misfit: {err}"))

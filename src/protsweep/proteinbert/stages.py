"""The freezing schedule as a list of training stages."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import DictConfig

from protsweep.errors import ConfigError
from protsweep.proteinbert.config import Freeze


@dataclass(frozen=True)
class Stage:
    name: str
    epochs: int
    lr: float
    freeze_backbone: bool
    seq_len: int
    batch_size: int


#: which of the frozen and full stages each freezing schedule runs
SCHEDULE_STAGES: dict[Freeze, tuple[bool, bool]] = {
    Freeze.two_stage: (True, True),
    Freeze.frozen_only: (True, False),
    Freeze.none: (False, True),
}


def plan_stages(trainer: DictConfig, seq_len: int) -> list[Stage]:
    """Upstream's protocol: frozen backbone, then everything trainable, then an optional final stage
    at a longer seq_len."""
    frozen, full = SCHEDULE_STAGES[Freeze(trainer.freeze)]
    batch = int(trainer.batch_size)
    stages = []
    if frozen:
        stages.append(Stage("frozen", int(trainer.epochs_frozen), float(trainer.lr_frozen), True, seq_len, batch))
    if full:
        stages.append(Stage("full", int(trainer.epochs_full), float(trainer.lr_full), False, seq_len, batch))
    if int(trainer.final_epochs) > 0:
        final_len = int(trainer.final_seq_len)
        final_batch = max(int(batch / (final_len / seq_len)), 1)  # upstream keeps tokens per batch constant
        stages.append(Stage("final", int(trainer.final_epochs), float(trainer.final_lr), False, final_len, final_batch))
    stages = [stage for stage in stages if stage.epochs > 0]
    if not stages:
        raise ConfigError("no training stage has epochs > 0 (trainer.epochs_frozen/epochs_full/final_epochs)")
    return stages

"""The freezing schedule as a list of training stages."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import DictConfig

from protsweep.errors import ConfigError

SCHEDULES = ("two_stage", "frozen_only", "none")


@dataclass(frozen=True)
class Stage:
    name: str
    epochs: int
    lr: float
    freeze_backbone: bool
    seq_len: int
    batch_size: int


def plan_stages(trainer: DictConfig, optimizer: DictConfig, seq_len: int) -> list[Stage]:
    """Upstream's protocol: frozen backbone, then everything trainable, then an optional final stage
    at a longer seq_len. A layer-wise optimizer with ``replaces_frozen_stage`` drops the frozen stage."""
    schedule = str(trainer.freeze)
    if schedule not in SCHEDULES:
        raise ConfigError(f"trainer.freeze must be one of {', '.join(SCHEDULES)}, not '{schedule}'")
    replaces_frozen = bool(optimizer.get("replaces_frozen_stage", False))
    if replaces_frozen and schedule == "frozen_only":
        raise ConfigError(
            f"optimizer={optimizer.name} replaces the frozen stage; it cannot run with trainer.freeze=frozen_only"
        )
    batch = int(trainer.batch_size)
    stages = []
    if schedule in ("two_stage", "frozen_only") and not replaces_frozen:
        stages.append(Stage("frozen", int(trainer.epochs_frozen), float(trainer.lr_frozen), True, seq_len, batch))
    if schedule in ("two_stage", "none"):
        stages.append(Stage("full", int(trainer.epochs_full), float(trainer.lr_full), False, seq_len, batch))
    if int(trainer.final_epochs) > 0:
        final_len = int(trainer.final_seq_len)
        final_batch = max(int(batch / (final_len / seq_len)), 1)  # upstream keeps tokens per batch constant
        stages.append(Stage("final", int(trainer.final_epochs), float(trainer.final_lr), False, final_len, final_batch))
    stages = [stage for stage in stages if stage.epochs > 0]
    if not stages:
        raise ConfigError("no training stage has epochs > 0 (trainer.epochs_frozen/epochs_full/final_epochs)")
    return stages

"""The Siamese family's record (:class:`protsweep.family.Family`): its schemas, loss registry, checks,
runner, predictor and packages. Torch-free: torch is imported by the runner and the predictor."""

from __future__ import annotations

from omegaconf import DictConfig

from protsweep.family import Family
from protsweep.siamese.loss_heads import LOSS_HEADS, check_config
from protsweep.siamese.schema import SCHEMAS

#: the stage name of the Siamese family's training epochs (history rows, wall_seconds, progress lines)
TRAIN_STAGE = "train"


def _check(cfg: DictConfig) -> None:
    check_config(cfg)  # its pair head is not needed here


def planned_epochs(cfg: DictConfig) -> dict[str, int]:
    return {TRAIN_STAGE: int(cfg.trainer.epochs)}


FAMILY = Family(
    name="siamese",
    runner="protsweep.siamese.runner.train_and_evaluate",
    predictor="protsweep.siamese.model_io.SiamesePredictor",
    example_model="siamese",
    packages=("torch", "esm"),
    schemas=SCHEMAS,
    losses=tuple(LOSS_HEADS),
    loss_registry="protsweep.siamese.net.losses.TORCH_LOSSES",
    check=_check,
    planned_epochs=planned_epochs,
    thread_keys=("trainer.num_threads", "resources.threads"),  # the trainer's setting overrides the job's
)

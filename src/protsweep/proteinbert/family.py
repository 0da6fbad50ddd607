"""The ProteinBERT family's record (:class:`protsweep.family.Family`): its schemas, loss registry, checks,
runner, predictor and packages. Framework-free: TensorFlow is imported by the runner and the predictor."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from protsweep.errors import ConfigError
from protsweep.family import Family
from protsweep.integrity.pickles import load_dump
from protsweep.proteinbert.config import SCHEMAS, TARGET_GROUPS, Pretrained
from protsweep.proteinbert.losses import KERAS_LOSSES, keras_loss
from protsweep.proteinbert.stages import plan_stages


def check_config(cfg: DictConfig) -> None:
    """The loss applies to ProteinBERT, and a dump that will be loaded is a well-formed one (read once,
    cached for the runner)."""
    keras_loss(cfg.loss)
    path = Path(str(cfg.model.weights_path)).expanduser()
    if Pretrained(cfg.model.pretrained) is not Pretrained.random and path.is_file():
        load_dump(path, cfg.model.get("weights_sha256"))


def planned_epochs(cfg: DictConfig) -> dict[str, int]:
    """Stage -> planned epochs (frozen, full, final), as the trainer will run them (``{}`` when the schedule is
    invalid: the runner reports that)."""
    try:
        return {stage.name: stage.epochs for stage in plan_stages(cfg.trainer, seq_len=1)}  # seq_len: batches only
    except ConfigError:
        return {}


FAMILY = Family(
    name="proteinbert",
    runner="protsweep.proteinbert.runner.train_and_evaluate",
    predictor="protsweep.proteinbert.model_io.ProteinBertPredictor",
    example_model="proteinbert_tiny",
    packages=("tensorflow", "tf-keras", "protein-bert"),
    schemas=SCHEMAS,
    target_groups=TARGET_GROUPS,
    losses=tuple(KERAS_LOSSES),
    loss_registry="protsweep.proteinbert.losses.KERAS_LOSSES",
    check=check_config,
    embeddings_export="protsweep.proteinbert.embed_export.export_h5",
    planned_epochs=planned_epochs,
    thread_keys=("resources.threads",),  # TensorFlow's intra- and inter-op threads of the job
)

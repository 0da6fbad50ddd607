"""The root config and the groups every family shares (registered with the others by
:mod:`protsweep.config_store`).

Each family has its own root (``ProteinBertConfig(Config)``, ``SiameseConfig(Config)``), selected through
``model=<option>`` -> ``conf/family/<family>.yaml``; the family file also lists the groups only that family
has, so a ProteinBERT-only choice given to a Siamese run fails at composition with Hydra's own error, and a
composed config holds only keys its family reads. Closed choices are Enums, checked at composition.
Option files whose groups build objects name a ``_target_``; their schemas come from the target's signature
(:mod:`protsweep.targets`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from protsweep.calibration.config import CalibrationConfig
from protsweep.data.config import DataConfig, ReferenceConfig
from protsweep.tune.config import TuneConfig


# ---------------------------------------------------------------- family-neutral bases
@dataclass
class ModelConfig:
    """``model``: the family switch. ``family`` names the family's record in :mod:`protsweep.family` (its
    runner, checks, predictor)."""

    name: str = MISSING
    family: str = MISSING


@dataclass
class TrainerConfig:
    """``trainer``: each family's training protocol (extended by the family's own schema).

    ``init_from``: a finished run's directory; the new run starts from that run's saved weights (warm start,
    recorded as ``parent`` in run.json). Or a sweep folder with ``init_variant`` (``{head:two_layer}``) and
    ``init_seed`` (default: the job's seed): see :mod:`protsweep.saved.parent_source`.
    ``init_backbone_only``: take only the parent's backbone (ProteinBERT's pretrained layers, the Siamese
    encoders); the head (and features) start fresh, so the parent may have another head."""

    init_from: str | None = None
    init_variant: Any = None  # a dict, {head:two_layer}
    init_seed: int | None = None
    init_backbone_only: bool = False


@dataclass
class TargetConfig:
    """Base of the groups whose options become objects: the option file names the class in ``_target_``."""

    _target_: str = MISSING


# ---------------------------------------------------------------- loss: a framework-neutral spec
class Distance(Enum):
    euclidean = "euclidean"
    cosine = "cosine"


@dataclass
class LossConfig:
    """``loss``: a spec that each family maps to its framework's loss through one registry (keyed by type)."""

    name: str = MISSING


@dataclass
class BceLossConfig(LossConfig):
    """Binary cross-entropy. ``label_smoothing=ε`` trains on targets y(1 - 2ε) + ε, i.e. {ε, 1 - ε} (C3)."""

    name: str = "bce"
    label_smoothing: float = 0.0


@dataclass
class FocalLossConfig(BceLossConfig):
    """A2: FL = -α_t (1 - p_t)^γ log p_t, α weighing positives and 1 - α negatives."""

    name: str = "focal"
    gamma: float = 2.0
    alpha: float = 0.25


@dataclass
class ContrastiveLossConfig(LossConfig):
    """Margin contrastive loss on the distance of two pooled embeddings (label 1 = close); Siamese only."""

    name: str = "contrastive"
    margin: float = 1.0
    distance: Distance = Distance.euclidean


# ---------------------------------------------------------------- callback: early stopping + LR reduction
class Monitor(Enum):
    val_loss = "val_loss"
    val_auc = "val_auc"


class Mode(Enum):
    min = "min"
    max = "max"


#: the direction in which each monitored value improves
BETTER: dict[Monitor, Mode] = {Monitor.val_loss: Mode.min, Monitor.val_auc: Mode.max}


@dataclass
class ReduceLrConfig:
    """ReduceLROnPlateau: multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    monitor: Monitor = Monitor.val_loss
    patience: int = 1
    factor: float = 0.25
    min_lr: float = 1e-5


@dataclass
class CallbackConfig:
    """``callback``: what ends a training stage and lowers its learning rate. Early stopping on ``monitor``
    (``mode`` says which direction is better) with ``patience`` epochs, restoring the best epoch's weights;
    plus ``reduce_lr`` (ReduceLROnPlateau), or null for none."""

    monitor: Monitor = Monitor.val_loss
    mode: Mode = Mode.min
    patience: int = 2
    restore_best: bool = True
    reduce_lr: ReduceLrConfig | None = field(default_factory=ReduceLrConfig)
    # end the run with the best weights of any stage (ProteinBERT's frozen/full/final), not the last
    # stage's best; false follows upstream
    best_across_stages: bool = False


# ---------------------------------------------------------------- top level
@dataclass
class AblationConfig:
    """What a sweep file declares: its name (the sweep folder), the factor that tells variants apart, and the
    baseline's choice of that factor."""

    name: str = "adhoc"
    factor: str | None = None
    baseline: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReportConfig:
    """How the aggregator and the report judge a sweep: the end-of-sweep callback reads it from the config,
    ``protsweep-report`` / ``protsweep-aggregate`` take the same ``report.KEY=VALUE`` items
    (:mod:`protsweep.aggregate.settings`)."""

    margin_auc: float = 0.01  # |ΔAUC| below this is no practical difference (docs/statistics.md: why 0.01)
    min_class_count: int = 10  # fewer positives or negatives in a split: AUC intervals flagged unreliable
    exclude_degenerate: bool = False  # leave runs with (nearly) constant predictions out (default: flag them)


@dataclass
class PathsConfig:
    shared_data: str = "../shared/data"
    cache_dir: str = "outputs/cache"


@dataclass
class ReuseConfig:
    """A job whose config fingerprint equals a completed run's copies that run instead of training
    (protsweep.launch.reuse). ``search``: folders holding sweeps or runs, relative to the working directory;
    the job's own sweep folder is always searched."""

    enabled: bool = True
    search: list[str] = field(default_factory=lambda: ["outputs/sweeps", "outputs/runs"])


@dataclass
class Config:
    """Keys every run has. The family roots add their own groups."""

    model: ModelConfig = MISSING
    data: DataConfig = MISSING
    trainer: TrainerConfig = MISSING
    loss: LossConfig = MISSING
    callback: CallbackConfig = MISSING
    calibration: CalibrationConfig = MISSING
    seed: int = 0
    deterministic: bool = True
    overwrite: bool = False
    save_model: bool = True  # the final model's weights + model card under <run dir>/model/
    ablation: AblationConfig = field(default_factory=AblationConfig)
    reference: ReferenceConfig = field(default_factory=ReferenceConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    reuse: ReuseConfig = field(default_factory=ReuseConfig)
    tune: TuneConfig = field(default_factory=TuneConfig)  # the objective returned to a tuning sweeper
    # protsweep.launch: tracker logger group, per-job resources, progress lines
    logger: Any = None
    resources: Any = None
    progress: Any = "auto"  # auto (true) | always | never (false)


SCHEMAS: dict[tuple[str | None, str], Any] = {
    ("loss", "bce_schema"): BceLossConfig,
    ("loss", "focal_schema"): FocalLossConfig,
    ("loss", "contrastive_schema"): ContrastiveLossConfig,
    ("callback", "callback_schema"): CallbackConfig,
}


def config_dir() -> Path:
    """``conf/`` of the source tree (editable install), or the copy packed into a wheel."""
    packed = Path(__file__).resolve().parent / "_conf"
    if packed.is_dir():
        return packed
    return Path(__file__).resolve().parents[2] / "conf"

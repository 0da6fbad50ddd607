"""Structured-config schemas: a misspelled key or a value of the wrong type fails at composition time.

Every option file under ``conf/<group>/`` names its schema in its own defaults list
(``defaults: [<name>_schema]``), so each option is checked against the fields it really has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


# ---------------------------------------------------------------- top level
@dataclass
class AblationConfig:
    """What a sweep file declares, so the aggregator can find the factor and the baseline."""

    name: str = "adhoc"
    factor: str | None = None
    baseline: dict[str, Any] = field(default_factory=dict)
    description: str | None = None


@dataclass
class ReferenceConfig:
    """Earlier results to print next to the measured ones in the conclusion report."""

    label: str | None = None
    auc_mean: float | None = None
    auprc_mean: float | None = None
    ensemble_auc: float | None = None
    ensemble_auprc: float | None = None


@dataclass
class PathsConfig:
    shared_data: str = "../shared/data"
    cache_dir: str = "outputs/cache"


@dataclass
class Config:
    model: Any = MISSING
    data: Any = MISSING
    head: Any = MISSING
    loss: Any = MISSING
    callback: Any = MISSING
    augment: Any = MISSING
    repr: Any = MISSING
    pool: Any = MISSING
    optimizer: Any = MISSING
    calibration: Any = MISSING
    trainer: Any = MISSING
    embedder: Any = None
    seed: int = 0
    deterministic: bool = True
    overwrite: bool = False
    ablation: AblationConfig = field(default_factory=AblationConfig)
    reference: ReferenceConfig = field(default_factory=ReferenceConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    # issue 11 (protsweep.launch): tracker logger group, per-job resources, progress lines
    logger: Any = None
    resources: Any = None
    progress: Any = "auto"  # auto (true) | always | never (false)


# ---------------------------------------------------------------- model
@dataclass
class ProteinBertModelConfig:
    name: str = "proteinbert"
    family: str = "proteinbert"
    runner: str = "protsweep.proteinbert.runner.train_and_evaluate"
    pretrained: str = "auto"  # auto | true | false
    weights_path: str = "~/proteinbert_models/default.pkl"
    download: bool = True
    # upstream create_model kwargs (the pretrained dump fixes them; change only with pretrained=false)
    d_hidden_seq: int = 128
    d_hidden_global: int = 512
    n_blocks: int = 6
    n_heads: int = 4
    d_key: int = 64
    conv_kernel_size: int = 9
    wide_conv_dilation_rate: int = 5
    n_annotations: int = 8943


# ---------------------------------------------------------------- data
@dataclass
class DataConfig:
    name: str = MISSING
    source: Any = MISSING  # {_target_: protsweep.data.sources.<Loader>, ...loader arguments}
    dedup: str = "majority"  # majority | drop_conflicts | error
    split_seed: int = 0
    valid_frac: float = 0.1
    test_frac: float = 0.2
    limit: int | None = None
    alphabet: str = "ACDEFGHIKLMNPQRSTVWY"


# ---------------------------------------------------------------- trainer (ProteinBERT)
@dataclass
class ProteinBertTrainerConfig:
    name: str = "proteinbert"
    freeze: str = "two_stage"  # two_stage | frozen_only | none
    seq_len: Any = "auto"  # auto | int
    padding: str = "bucket"  # bucket (own length, rounded to 8) | fixed (seq_len, as upstream)
    batch_size: int = 32
    eval_batch_size: int = 64
    epochs_frozen: int = 40
    epochs_full: int = 40
    lr_frozen: float = 1e-2
    lr_full: float = 1e-4
    final_epochs: int = 0
    final_seq_len: int = 1024
    final_lr: float = 1e-5
    class_weight: str = "none"  # none | balanced
    neg_downsample: float | None = None  # keep at most this many negatives per positive in train
    verbose: int = 0


# ---------------------------------------------------------------- single-choice groups
@dataclass
class DefaultHeadConfig:
    _target_: str = "protsweep.proteinbert.heads.DefaultHead"
    name: str = "default"
    dropout: float = 0.5


@dataclass
class BceLossConfig:
    _target_: str = "protsweep.proteinbert.losses.bce"
    name: str = "bce"
    label_smoothing: float = 0.0


@dataclass
class ReduceLrConfig:
    monitor: str = "val_loss"
    patience: int = 1
    factor: float = 0.25
    min_lr: float = 1e-5


@dataclass
class EarlyStopConfig:
    name: str = MISSING
    monitor: str = "val_loss"  # val_loss | val_auc
    mode: str = "min"
    patience: int = 2
    restore_best: bool = True
    reduce_lr: ReduceLrConfig | None = field(default_factory=ReduceLrConfig)


@dataclass
class NoAugmentConfig:
    name: str = "none"


@dataclass
class ChoiceConfig:
    """A group whose options differ only by name (``repr``, ``pool``)."""

    name: str = MISSING


@dataclass
class AdamConfig:
    name: str = "adam"


@dataclass
class CalibrationConfig:
    name: str = "none"  # none | platt | isotonic
    n_bins: int = 10  # for ECE


# ---------------------------------------------------------------- ablation routes (issue 3)
class TruncationAnchor(Enum):
    """Where the kept window sits: ``start`` keeps the N-terminus, ``end`` the C-terminus."""

    random = "random"
    start = "start"
    end = "end"


@dataclass
class TwoLayerHeadConfig:
    """A1: Dropout -> LayerNorm -> Dense(width, relu) -> Dropout(hidden_dropout) -> Dense(1, sigmoid)."""

    _target_: str = "protsweep.proteinbert.heads.TwoLayerHead"
    name: str = "two_layer"
    dropout: float = 0.5
    width: int = 128
    hidden_dropout: float = 0.3


@dataclass
class FocalLossConfig:
    """A2: binary focal loss with class balancing on, so ``alpha`` takes effect."""

    _target_: str = "protsweep.proteinbert.losses.focal"
    name: str = "focal"
    gamma: float = 2.0
    alpha: float = 0.25
    label_smoothing: float = 0.0


@dataclass
class LayerwiseOptimizerConfig:
    """C2: Adam with per-layer learning rates (absolute rates; the trainer's stage ``lr`` is not used)."""

    name: str = "layerwise"
    backbone_lr: float = 1e-5
    head_lr: float = 1e-3
    replaces_frozen_stage: bool = True


@dataclass
class TruncateAugmentConfig:
    """D1: each epoch, each training sequence keeps a random contiguous window of min_frac..max_frac of it."""

    name: str = "truncate"
    min_frac: float = 0.8
    max_frac: float = 1.0
    anchor: TruncationAnchor = TruncationAnchor.random


@dataclass
class BlosumAugmentConfig:
    """D2: each residue is replaced with probability p by one drawn ∝ exp(BLOSUM62 / temperature)."""

    name: str = "blosum"
    p: float = 0.05
    temperature: float = 1.0


@dataclass
class TruncateBlosumAugmentConfig:
    """D1 then D2 on the same epoch's draw."""

    name: str = "truncate_blosum"
    min_frac: float = 0.8
    max_frac: float = 1.0
    anchor: TruncationAnchor = TruncationAnchor.random
    p: float = 0.05
    temperature: float = 1.0


SCHEMAS: dict[tuple[str | None, str], Any] = {
    (None, "protsweep_schema"): Config,
    ("model", "proteinbert_schema"): ProteinBertModelConfig,
    ("data", "data_schema"): DataConfig,
    ("trainer", "proteinbert_trainer_schema"): ProteinBertTrainerConfig,
    ("head", "default_head_schema"): DefaultHeadConfig,
    ("loss", "bce_schema"): BceLossConfig,
    ("callback", "early_stop_schema"): EarlyStopConfig,
    ("augment", "no_augment_schema"): NoAugmentConfig,
    ("repr", "choice_schema"): ChoiceConfig,
    ("pool", "choice_schema"): ChoiceConfig,
    ("optimizer", "adam_schema"): AdamConfig,
    ("calibration", "calibration_schema"): CalibrationConfig,
    ("head", "two_layer_head_schema"): TwoLayerHeadConfig,
    ("loss", "focal_schema"): FocalLossConfig,
    ("optimizer", "layerwise_schema"): LayerwiseOptimizerConfig,
    ("augment", "truncate_schema"): TruncateAugmentConfig,
    ("augment", "blosum_schema"): BlosumAugmentConfig,
    ("augment", "truncate_blosum_schema"): TruncateBlosumAugmentConfig,
}


def register_schemas() -> None:
    from protsweep.launch.schema import SCHEMAS as LAUNCH_SCHEMAS
    from protsweep.siamese.schema import SCHEMAS as SIAMESE_SCHEMAS

    store = ConfigStore.instance()
    for (group, name), node in {**SCHEMAS, **SIAMESE_SCHEMAS, **LAUNCH_SCHEMAS}.items():
        store.store(group=group, name=name, node=node)

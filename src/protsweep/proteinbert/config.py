"""Schemas of the ProteinBERT family's own groups (light: no TensorFlow import)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from omegaconf import MISSING

from protsweep.schema import Config, ModelConfig, TargetConfig, TrainerConfig


class Pretrained(Enum):
    """``auto``: load the dump at ``model.weights_path`` when it exists, else random init with a loud warning;
    ``required``: load it or fail; ``random``: random init."""

    auto = "auto"
    required = "required"
    random = "random"


class Freeze(Enum):
    """``two_stage``: frozen backbone, then everything trainable (upstream); ``frozen_only``;
    ``none``: no frozen stage."""

    two_stage = "two_stage"
    frozen_only = "frozen_only"
    none = "none"


class Padding(Enum):
    """``bucket``: each sequence padded to its own length + 2, rounded up to 8; ``fixed``: to seq_len (upstream)."""

    bucket = "bucket"
    fixed = "fixed"


class ClassWeight(Enum):
    """``balanced``: each class weighs n / (2 n_class), as sklearn's class_weight='balanced'."""

    none = "none"
    balanced = "balanced"


@dataclass
class ProteinBertModelConfig(ModelConfig):
    family: str = "proteinbert"
    pretrained: Pretrained = Pretrained.auto
    weights_path: str = "~/proteinbert_models/default.pkl"
    download: bool = True
    weights_sha256: str | None = None  # when given, the dump's SHA-256 is checked before it is unpickled
    # upstream create_model kwargs (the pretrained dump fixes them; change only with pretrained=random)
    d_hidden_seq: int = 128
    d_hidden_global: int = 512
    n_blocks: int = 6
    n_heads: int = 4
    d_key: int = 64
    conv_kernel_size: int = 9
    wide_conv_dilation_rate: int = 5
    n_annotations: int = 8943


@dataclass
class ProteinBertTrainerConfig(TrainerConfig):
    freeze: Freeze = Freeze.two_stage
    seq_len: Any = "auto"  # auto | int
    padding: Padding = Padding.bucket
    batch_size: int = 32
    eval_batch_size: int = 64
    epochs_frozen: int = 40
    epochs_full: int = 40
    lr_frozen: float = 1e-2
    lr_full: float = 1e-4
    final_epochs: int = 0
    final_seq_len: int = 1024
    final_lr: float = 1e-5
    class_weight: ClassWeight = ClassWeight.none
    neg_downsample: float | None = None  # keep at most this many negatives per positive in train
    verbose: int = 0
    cache_frozen: bool = True  # frozen backbone + no augmentation: train the head on features computed once
    feature_cache_memory_mb: float = 2048.0  # larger feature caches are memory-mapped files in the run folder


@dataclass
class HeadConfig(TargetConfig):
    """``head``: the classifier on top of the features."""


@dataclass
class FeaturesConfig(TargetConfig):
    """``features``: what the head reads (a representation of the backbone, pooled or not)."""


@dataclass
class OptimizerConfig(TargetConfig):
    """``optimizer``: a factory called per stage with the stage's lr and the model (``_partial_: true``)."""

    _partial_: bool = True


@dataclass
class AugmentConfig(TargetConfig):
    """``augment``: online augmentation of the training sequences (``none`` builds nothing)."""


@dataclass
class ProteinBertConfig(Config):
    """The root config of a ProteinBERT run (``model=proteinbert``, ``model=proteinbert_tiny``)."""

    model: ProteinBertModelConfig = MISSING
    trainer: ProteinBertTrainerConfig = MISSING
    head: HeadConfig = MISSING
    features: FeaturesConfig = MISSING
    optimizer: OptimizerConfig = MISSING
    augment: AugmentConfig = MISSING


#: the groups whose option files carry a ``_target_``: their schemas are derived from the targets' signatures
TARGET_GROUPS: dict[str, type] = {
    "head": HeadConfig,
    "features": FeaturesConfig,
    "optimizer": OptimizerConfig,
    "augment": AugmentConfig,
}

SCHEMAS: dict[tuple[str | None, str], Any] = {
    (None, "proteinbert_config_schema"): ProteinBertConfig,
    ("model", "proteinbert_schema"): ProteinBertModelConfig,
    ("trainer", "proteinbert_trainer_schema"): ProteinBertTrainerConfig,
}


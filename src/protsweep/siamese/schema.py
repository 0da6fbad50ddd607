"""Structured-config schemas of the Siamese family (no torch import here: composing configs stays light).

Choices are enums, so a misspelled option (``model.arch=pseudo``) fails at composition time with the
list of valid values, like every other key of the project's schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omegaconf import MISSING

from protsweep.data.config import DataKind, choice
from protsweep.schema import Config, ModelConfig, TrainerConfig

__all__ = ["choice"]  # re-exported: the Enum reader the family's modules use

# ---------------------------------------------------------------- choices
class Arch(Enum):
    """``siamese``: one encoder shared by both sequences; ``pseudo_siamese``: one encoder per side;
    ``complex_siamese``: one complex encoder (ligand and receptor, cross-attention between them) shared by
    two (ligand, receptor) complexes, needs ``data.kind: complexes``."""

    siamese = "siamese"
    pseudo_siamese = "pseudo_siamese"
    complex_siamese = "complex_siamese"


#: the examples each architecture reads (``data.kind``)
ARCH_DATA: dict[Arch, DataKind] = {
    Arch.siamese: DataKind.pairs,
    Arch.pseudo_siamese: DataKind.pairs,
    Arch.complex_siamese: DataKind.complexes,
}


class PairHead(Enum):
    """``auto`` follows the loss: ``loss=contrastive`` gives the distance head, bce/focal cross-attention."""

    auto = "auto"
    contrastive = "contrastive"
    cross_attention = "cross_attention"


class Pooling(Enum):
    mean = "mean"
    max = "max"
    mean_max = "mean_max"




class EmbedderDtype(Enum):
    """ESM C's compute dtype: ``auto`` is bf16 on a GPU that supports it, else fp32 (always fp32 on CPU)."""

    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"


class EmbedderWeights(Enum):
    pretrained = "pretrained"
    random = "random"


# ---------------------------------------------------------------- model
@dataclass
class EncoderConfig:
    """1D CNN (local patterns) then a Transformer encoder (global context), then masked pooling."""

    d_model: int = 128
    cnn_layers: int = 2
    kernel_size: int = 9
    transformer_layers: int = 2
    n_heads: int = 4
    ff_mult: int = 2
    dropout: float = 0.1  # after the convolutions, the attention block and the feed-forward block
    #: dropout of the attention probabilities. At 0 torch runs its fused attention kernel, whose memory grows
    #: linearly with the length; above 0 every L x L attention map is kept for the backward pass (about +1 GB for
    #: two proteins of 2048 residues, bench/bench_siamese_memory.py), and a step is about 4x slower.
    attention_dropout: float = 0.0
    pooling: Pooling = Pooling.mean


@dataclass
class CrossAttentionConfig:
    n_heads: int = 4
    mlp_hidden: int = 128
    dropout: float = 0.1  # in the MLP
    attention_dropout: float = 0.0  # of the attention probabilities (see EncoderConfig.attention_dropout)


@dataclass
class ComplexConfig:
    """``model.arch=complex_siamese``: how one (ligand, receptor) complex is encoded. Each side goes through
    a residue encoder (``model.encoder``; one shared by both sides with ``share_sides``), then
    ``cross_layers`` rounds of cross-attention (ligand attends to receptor and receptor to ligand)."""

    share_sides: bool = False
    cross_layers: int = 1
    n_heads: int = 4
    dropout: float = 0.0  # of the cross-attention probabilities (see EncoderConfig.attention_dropout)


@dataclass
class SiameseModelConfig(ModelConfig):
    family: str = "siamese"
    arch: Arch = Arch.siamese
    pair_head: PairHead = PairHead.auto
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    cross_attention: CrossAttentionConfig = field(default_factory=CrossAttentionConfig)
    complex: ComplexConfig = field(default_factory=ComplexConfig)


# ---------------------------------------------------------------- trainer
@dataclass
class SiameseTrainerConfig(TrainerConfig):
    epochs: int = 30
    batch_size: int = 32
    eval_batch_size: int = 64
    lr: float = 3.0e-4  # AdamW
    weight_decay: float = 0.01
    grad_clip: float | None = 1.0
    bucket_by_length: bool = True  # training batches of pairs of similar lengths (less padding)
    # A forward pass holds at most this many tokens per side (rows x longest length; about 80 kB of activations
    # each for the default encoder, so 4096 tokens ~ 0.35 GB; on CPU, 4096 and 8192 train equally fast) and this
    # many attention cells (rows x longest length^2, 32 x 512^2: what materialised L x L attention maps cost).
    # A batch past either runs in parts with accumulated gradients (the same step), so memory stays bounded at
    # ESM C's 2048 context. null: no bound.
    max_batch_tokens: int | None = 4096
    max_attention_cells: int | None = 8_388_608
    # On CPU, give freed memory back to the OS after every forward+backward pass (glibc malloc_trim): batches
    # of varying lengths otherwise fragment the allocator and resident memory keeps growing
    # (protsweep.siamese.train.memory).
    release_memory: bool = True
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    num_threads: int | None = None  # torch CPU threads; null leaves torch's default
    resume: bool = True  # an interrupted run resumes from checkpoints/last.pt when relaunched


# ---------------------------------------------------------------- embedder
@dataclass
class EmbedderConfig:
    """An ESM C model that turns each sequence into per-residue embeddings (last layer, no BOS/EOS)."""

    name: str = MISSING
    weights: EmbedderWeights = EmbedderWeights.pretrained
    weights_dir: str | None = None  # a directory with config.json + model.safetensors
    hf_repo: str | None = None  # looked up in the local Hugging Face cache only (never downloaded)
    hidden_size: int = MISSING
    num_heads: int = MISSING
    num_layers: int = MISSING
    init_seed: int = 0  # weights=random only
    max_len: int = 2048  # residues kept per sequence (ESM C's trained context; longer ones truncated, counted)
    dtype: EmbedderDtype = EmbedderDtype.auto  # compute dtype, part of the cache identity
    batch_tokens: int = 8192  # tokens (incl. padding, BOS, EOS) per forward pass
    max_pad_frac: float = 0.10  # padded share of a batch's tokens at most
    cache_dir: str = "${paths.cache_dir}/embeddings"
    device: str = "auto"
    progress: bool = True


@dataclass
class SiameseConfig(Config):
    """The root config of a Siamese run (``model=siamese``)."""

    model: SiameseModelConfig = MISSING
    trainer: SiameseTrainerConfig = MISSING
    embedder: EmbedderConfig = MISSING


SCHEMAS: dict[tuple[str | None, str], Any] = {
    ("model", "siamese_schema"): SiameseModelConfig,
    ("trainer", "siamese_trainer_schema"): SiameseTrainerConfig,
    ("embedder", "esmc_schema"): EmbedderConfig,
    (None, "siamese_config_schema"): SiameseConfig,
}

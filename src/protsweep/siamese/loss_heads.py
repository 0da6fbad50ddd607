"""Which pair head each loss needs. A combination that makes no sense is a ``ConfigError`` naming the fix,
raised before any data is read or any model is built. Torch-free."""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from protsweep.data.config import DataKind, data_kind
from protsweep.errors import ConfigError
from protsweep.schema import BceLossConfig, ContrastiveLossConfig, FocalLossConfig, LossConfig
from protsweep.siamese.schema import ARCH_DATA, Arch, PairHead, choice

#: loss spec type -> the head it needs (``model.pair_head=auto`` picks it)
LOSS_HEADS: dict[type[LossConfig], PairHead] = {
    BceLossConfig: PairHead.cross_attention,
    FocalLossConfig: PairHead.cross_attention,
    ContrastiveLossConfig: PairHead.contrastive,
}

#: why a head cannot serve a loss of the other kind, and the fix
_MISMATCH = {
    PairHead.contrastive: ("the contrastive head outputs a distance, not a logit", "loss=contrastive"),
    PairHead.cross_attention: ("the cross-attention head outputs a logit, not a distance", "loss=bce or loss=focal"),
}


def loss_spec(cfg: DictConfig) -> LossConfig:
    spec = OmegaConf.to_object(cfg.loss)
    if type(spec) not in LOSS_HEADS:
        raise ConfigError(f"loss={spec.name} is not available for model=siamese")
    return spec


def resolve_head(cfg: DictConfig) -> PairHead:
    """The pair head to build: the loss's own, or ``model.pair_head`` when it names the same one."""
    spec = loss_spec(cfg)
    needed = LOSS_HEADS[type(spec)]
    wanted = choice(PairHead, cfg.model.pair_head)
    if wanted in (PairHead.auto, needed):
        return needed
    why, fix = _MISMATCH[wanted]
    raise ConfigError(
        f"loss={spec.name} with model.pair_head={wanted.value} makes no sense: {why}; "
        f"use {fix}, or model.pair_head={needed.value} (or auto)"
    )


#: what each data kind holds, and the data options that hold it (for the error)
_KINDS = {
    DataKind.single: ("single sequences", "data=csv | fasta | amp_modlamp"),
    DataKind.pairs: ("pairs", "data=pairs_csv | pairs_ids | guo_yeast_ppi"),
    DataKind.complexes: ("pairs of complexes", "data=complex_pairs_csv | complex_table"),
}


def check_config(cfg: DictConfig) -> PairHead:
    """Reject what the Siamese family cannot honour; return the pair head to build."""
    arch = choice(Arch, cfg.model.arch, "model.arch")
    needed, kind = ARCH_DATA[arch], data_kind(cfg.data)
    if kind is not needed:
        model = "model=siamese" if needed is DataKind.pairs else f"model.arch={arch.value}"
        raise ConfigError(
            f"data={cfg.data.get('name')} holds {_KINDS[kind][0]}; {model} needs {_KINDS[needed][0]} "
            f"({_KINDS[needed][1]})"
        )
    return resolve_head(cfg)

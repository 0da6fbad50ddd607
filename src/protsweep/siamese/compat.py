"""Which shared config options the Siamese family accepts. A combination that makes no sense is a
``ConfigError`` naming the fix, raised before any data is read or any model is built. Torch-free."""

from __future__ import annotations

from omegaconf import DictConfig

from protsweep.errors import ConfigError
from protsweep.siamese.schema import PairHead, choice

#: loss -> the head it needs (``model.pair_head=auto`` picks it)
LOSS_HEADS: dict[str, PairHead] = {
    "bce": PairHead.cross_attention,
    "focal": PairHead.cross_attention,
    "contrastive": PairHead.contrastive,
}

#: ProteinBERT-family groups: the Siamese family accepts only their neutral option.
NEUTRAL_OPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "head": (("default",), "the pair head is model.pair_head (contrastive | cross_attention)"),
    "pool": (("global",), "the encoder's pooling is model.encoder.pooling (mean | max | mean_max)"),
    "repr": (("last",), "ESM C's last layer is the representation (repr=last)"),
    "augment": (("none",), "augmentation is not implemented for pairs (augment=none)"),
    "optimizer": (("adam", "adamw"), "the Siamese trainer uses AdamW (trainer.lr, trainer.weight_decay)"),
}


def resolve_head(cfg: DictConfig) -> PairHead:
    loss = str(cfg.loss.name)
    if loss not in LOSS_HEADS:
        raise ConfigError(f"loss={loss} is not available for model=siamese (use {', '.join(LOSS_HEADS)})")
    wanted = choice(PairHead, cfg.model.pair_head)
    needed = LOSS_HEADS[loss]
    if wanted is PairHead.auto:
        return needed
    if wanted is not needed:
        why = (
            "the contrastive head outputs a distance, not a logit"
            if wanted is PairHead.contrastive
            else "the cross-attention head outputs a logit, not a distance"
        )
        fix = "loss=contrastive" if wanted is PairHead.contrastive else "loss=bce or loss=focal"
        raise ConfigError(
            f"loss={loss} with model.pair_head={wanted.value} makes no sense: {why}; "
            f"use {fix}, or model.pair_head={needed.value} (or auto)"
        )
    return wanted


def check_config(cfg: DictConfig) -> PairHead:
    """Reject what the Siamese family cannot honour; return the pair head to build."""
    if cfg.get("embedder") is None:
        raise ConfigError("model=siamese needs an embedder: embedder=esmc_300m | esmc_600m | esmc_tiny")
    if cfg.data.get("kind") != "pairs":
        raise ConfigError(
            f"data={cfg.data.get('name')} holds single sequences; model=siamese needs pairs "
            "(data=pairs_csv | pairs_ids | guo_yeast_ppi)"
        )
    if str(cfg.trainer.get("name")) != "siamese":
        raise ConfigError(f"trainer={cfg.trainer.get('name')} belongs to another family; use trainer=siamese")
    for group, (accepted, why) in NEUTRAL_OPTIONS.items():
        node = cfg.get(group)
        name = None if node is None else str(node.get("name"))
        if name is not None and name not in accepted:
            raise ConfigError(f"{group}={name} does not apply to model=siamese: {why}")
    callback = cfg.callback
    if str(callback.monitor) not in ("val_loss", "val_auc"):
        raise ConfigError(f"callback.monitor must be val_loss or val_auc, not {callback.monitor}")
    if str(callback.mode) not in ("min", "max"):
        raise ConfigError(f"callback.mode must be min or max, not {callback.mode}")
    return resolve_head(cfg)

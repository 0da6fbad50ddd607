"""Siamese models saved and rebuilt (torch; imported only for Siamese runs and predictions).

Weights go to ``model.safetensors`` (the state dict; no pickle). The model is rebuilt from the card's config
and the embedder width; inputs are embedded through the embedding cache of the embedder the run used, and an
embedder whose identity differs from the card's is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig, OmegaConf
from safetensors import SafetensorError
from safetensors.torch import load_file, save
from torch import nn

from protsweep.errors import ProtsweepError
from protsweep.record.writer import RunRecord
from protsweep.saved.card import verified_weights
from protsweep.saved.store import Parent, parent_run, weights_misfit
from protsweep.schema import SCHEMAS
from protsweep.siamese.embed.esmc import resolve_device
from protsweep.siamese.embed.service import EmbeddingSet, ensure_embeddings
from protsweep.siamese.loss_heads import loss_spec, resolve_head
from protsweep.siamese.net.build import build_network
from protsweep.siamese.net.losses import build_loss
from protsweep.siamese.net.model import PairModel
from protsweep.siamese.schema import PairHead
from protsweep.siamese.score import PairScorer
from protsweep.siamese.train.batches import BatchBudget, PairTensors, as_tensors
from protsweep.siamese.train.loop import evaluate

WEIGHTS_SAFETENSORS = "model.safetensors"
#: pairs per evaluation pass in protsweep-predict (the progress bar moves once per chunk)
CHUNK = 2048


class TorchModelIO:
    weights_name = WEIGHTS_SAFETENSORS
    weights_format = "safetensors"

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    def save_weights(self, path: Path) -> None:
        state = {name: t.detach().cpu().contiguous() for name, t in self.model.state_dict().items()}
        path.write_bytes(save(state, metadata={"format": "pt"}))  # into the atomic writer's file (its mode)

    def summary(self) -> str:
        return torch_summary(self.model)


def _count(module: nn.Module) -> tuple[int, int]:
    params = list(module.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    return trainable, sum(p.numel() for p in params) - trainable


def torch_summary(model: nn.Module, depth: int = 3) -> str:
    """Each module down to ``depth`` levels: its class, parameters, trainable and frozen counts; then totals."""
    lines = [f"{'module':<48} {'class':<28} {'params':>10} {'trainable':>10} {'frozen':>8}"]
    for name, module in model.named_modules():
        level = name.count(".") + 1 if name else 0
        if level > depth:
            continue
        trainable, frozen = _count(module)
        label = ("  " * level + (name.rsplit(".", 1)[-1] if name else type(model).__name__))[:48]
        lines.append(f"{label:<48} {type(module).__name__:<28} {trainable + frozen:>10,} {trainable:>10,} {frozen:>8,}")
    trainable, frozen = _count(model)
    lines += ["", f"total parameters: {trainable + frozen:,} ({trainable:,} trainable, {frozen:,} frozen)"]
    return "\n".join(lines) + "\n"


def load_state(model: nn.Module, path: Path, misfit: Any) -> None:
    try:
        model.load_state_dict(load_file(str(path)), strict=True)
    except (RuntimeError, SafetensorError, OSError) as err:
        raise misfit(err) from err


def warm_start(model: nn.Module, cfg: DictConfig, record: RunRecord, embedder_key: str) -> Parent | None:
    """``trainer.init_from``: the parent run's final weights replace the new model's initial ones. The parent
    must have read embeddings of the same embedder (same identity), or its encoders would read other inputs."""
    parent = parent_run(cfg, record)
    if parent is None:
        return None
    theirs = parent.card["family_settings"]["embedder"]["key"]
    if theirs != embedder_key:
        raise ProtsweepError(
            f"trainer.init_from={parent.run_dir}: its model read embedder {theirs}, this run's is {embedder_key} "
            "(use the same embedder)"
        )
    misfit = lambda err: weights_misfit(parent, err)  # noqa: E731
    if cfg.trainer.get("init_backbone_only"):
        load_encoders(model, parent.weights, misfit)
    else:
        load_state(model, parent.weights, misfit)
    return parent


#: the state-dict prefix of the Siamese backbone: the sequence encoders (the head is ``head.``)
ENCODERS = "encoders."


def load_encoders(model: nn.Module, path: Path, misfit: Any) -> None:
    """``trainer.init_backbone_only``: the parent's encoders only; the head keeps its fresh initial weights."""
    try:
        theirs = {k: v for k, v in load_file(str(path)).items() if k.startswith(ENCODERS)}
        ours = {k for k in model.state_dict() if k.startswith(ENCODERS)}
        if set(theirs) != ours:
            raise RuntimeError(f"its encoders hold {len(theirs)} tensors, this run's {len(ours)}")
        model.load_state_dict(theirs, strict=False)
    except (RuntimeError, SafetensorError, OSError) as err:
        raise misfit(err) from err


def siamese_settings(embeddings: EmbeddingSet, embedder_cfg: DictConfig) -> dict[str, Any]:
    """What a prediction needs beyond the config: the embedder identity and where its cache is."""
    return {
        "embedder": embeddings.identity.as_dict(),
        "d_in": embeddings.dim,
        "embedder_cache_dir": str(Path(str(embedder_cfg.cache_dir)).expanduser().resolve()),
    }


def build_model(cfg: DictConfig, d_in: int, head: PairHead) -> nn.Module:
    """The network of ``model.arch`` (see :mod:`protsweep.siamese.net.build`): the runner's builder, so a saved
    model is rebuilt exactly as trained."""
    spec = loss_spec(cfg)
    if head is PairHead.contrastive:
        return build_network(d_in, cfg.model, head, spec.distance, spec.margin)
    return build_network(d_in, cfg.model, head)


def typed_loss(cfg: DictConfig) -> None:
    """The card's plain ``loss`` node as its schema dataclass (the family's loss registry is keyed by type)."""
    schemas = {node.name: node for (group, _), node in SCHEMAS.items() if group == "loss"}
    cfg.loss = OmegaConf.merge(OmegaConf.structured(schemas[str(cfg.loss.name)]), cfg.loss)


class SiamesePredictor:
    """The saved model of one Siamese run, rebuilt; scores pairs as the run did."""

    input_kind = "pairs"

    def __init__(self, run_dir: Path, card: dict[str, Any], cache_dir: str | None = None) -> None:
        cfg = OmegaConf.create(card["config"])
        typed_loss(cfg)
        settings = card["family_settings"]
        self.identity = settings["embedder"]
        self.embedder_cfg = OmegaConf.merge(
            # the card's cache dir is relative to the run folder (an older card's absolute path joins as itself)
            cfg.embedder, {"cache_dir": cache_dir or str(Path(run_dir) / settings["embedder_cache_dir"]),
                           "progress": False}
        )
        self.device = resolve_device(str(cfg.trainer.device))
        self.model = build_model(cfg, int(settings["d_in"]), resolve_head(cfg)).to(self.device)
        weights = verified_weights(run_dir, card)
        load_state(
            self.model, weights,
            lambda err: ProtsweepError(f"{weights}: does not fit the model its card describes: {err}"),
        )
        self.loss_fn = build_loss(loss_spec(cfg))
        self.batch_size = int(cfg.trainer.eval_batch_size)
        self.budget = BatchBudget.of(cfg.trainer)

    def embed(self, sequences: list[str], progress: bool) -> dict[str, torch.Tensor]:
        embeddings = ensure_embeddings(sequences, OmegaConf.merge(self.embedder_cfg, {"progress": progress}))
        if embeddings.identity.key() != self.identity["key"]:
            raise ProtsweepError(
                f"embedder {self.embedder_cfg.name}: identity {embeddings.identity.key()} differs from the saved "
                f"model's {self.identity['key']} (other weights or max_len)"
            )
        return as_tensors(embeddings.vectors)

    def predict_raw(self, inputs: pd.DataFrame, advance: Any = None, progress: bool = False) -> np.ndarray:
        """Raw probabilities of the pairs ``inputs[["seq_a", "seq_b"]]``; ``advance(n)`` after each chunk."""
        tensors = self.embed(list(dict.fromkeys([*inputs["seq_a"], *inputs["seq_b"]])), progress)
        frame = pd.DataFrame({"seq_a": inputs["seq_a"], "seq_b": inputs["seq_b"], "label": 0})
        out = np.empty(len(frame), dtype=np.float64)
        for start in range(0, len(frame), CHUNK):
            chunk = frame.iloc[start : start + CHUNK]
            out[start : start + len(chunk)] = self._score_chunk(chunk, tensors)
            if advance is not None:
                advance(len(chunk))
        return out

    def _score_chunk(self, chunk: pd.DataFrame, tensors: Any) -> np.ndarray:
        """Pair models encode each distinct sequence once (:mod:`protsweep.siamese.score`); other networks
        (pairs of complexes) run whole per pair, as in evaluation."""
        if isinstance(self.model, PairModel):
            scorer = PairScorer(self.model, self.batch_size, self.device, self.budget)
            return scorer.score(chunk["seq_a"].tolist(), chunk["seq_b"].tolist(), tensors)[1]
        part = PairTensors(chunk, tensors)
        return evaluate(self.model, part, self.loss_fn, self.batch_size, self.device, self.budget).prob

"""``model=siamese``: one job of the Siamese family, writing the same run record as ProteinBERT runs.

Stages (wall_seconds in run.json): ``data`` (pairs), ``embed`` (ESM C, through the cache), ``train``
(with per-epoch checkpoints; an interrupted run resumes from ``checkpoints/last.pt``), ``predict``.
Errors are not caught here: :mod:`protsweep.job` records them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig

from protsweep.callbacks import CallbackHandler, TrainerCallback
from protsweep.config_objects import as_object
from protsweep.data.config import DataKind, TrainTarget
from protsweep.data.load import load_data
from protsweep.data.pairs.dataset import PairData
from protsweep.errors import ConfigError
from protsweep.integrity.fingerprint import fingerprint_config
from protsweep.keypolicy import RESUMABLE_ACROSS, without
from protsweep.record import PREDICTION_SPLITS, RunRecord, write_outputs
from protsweep.saved.store import finish_run
from protsweep.schema import CallbackConfig
from protsweep.siamese.embed.esmc import resolve_device
from protsweep.siamese.embed.service import ensure_embeddings
from protsweep.siamese.loss_heads import check_config, loss_spec
from protsweep.siamese.model_io import TorchModelIO, build_model, siamese_settings, warm_start
from protsweep.siamese.net.build import split_tensors
from protsweep.siamese.net.losses import build_loss
from protsweep.siamese.net.model import count_parameters
from protsweep.siamese.schema import PairHead
from protsweep.siamese.train.batches import BatchBudget, as_tensors
from protsweep.siamese.train.checkpoint import CheckpointStore
from protsweep.siamese.train.loop import Trainer, TrainSettings
from protsweep.siamese.train.seeding import seed_torch
from protsweep.siamese.train.state import TrainState

log = logging.getLogger(__name__)

def train_and_evaluate(
    cfg: DictConfig, run_dir: Path, record: RunRecord, callbacks: Sequence[TrainerCallback] = ()
) -> None:
    """``callbacks`` hear the training events (:mod:`protsweep.callbacks`) after the record and its own."""
    head = check_config(cfg)
    _check_trainer(cfg.trainer)
    events = record.events(*callbacks)

    with events.stage("data"):
        data = load_data(cfg.data)  # pairs, or pairs of complexes (model.arch checked against data.kind)
        assert isinstance(data, PairData)
        record.update(data=data.report)
        _log_data(data)

    with events.stage("embed"):
        embeddings = ensure_embeddings(data.unique_sequences(), cfg.embedder)
        record.update(pretrained=embeddings.report["pretrained"], embedder=embeddings.report)

    device = resolve_device(str(cfg.trainer.device))
    seed_torch(int(cfg.seed), bool(cfg.deterministic), cfg.trainer.num_threads)
    model = build_model(cfg, embeddings.dim, head).to(device)
    record.update(network=_describe_network(model, head, device, cfg))
    warm_start(model, cfg, record, embeddings.identity.key())  # trainer.init_from
    tensors = as_tensors(embeddings.vectors)
    embeddings.vectors.clear()  # the fp16 tensors hold the same numbers; keep one copy in memory
    splits = {
        name: split_tensors(cfg.model, data.split(name), tensors, train=name == "train")
        for name in ("train", "valid", "test")
    }
    store = CheckpointStore(run_dir)
    fingerprint = run_fingerprint(cfg, data, embeddings.identity.key())
    resume = _resume_payload(cfg, store, fingerprint, record)
    trainer = _build_trainer(cfg, model, device, store, fingerprint, events)

    if resume is not None:
        record.write_history(resume["state"]["history"])  # the epochs done before the interruption
    state = trainer.fit(splits["train"], splits["valid"], resume)  # the "train" stage: announced by the trainer
    record.write_history(state.history)

    with events.stage("predict"):
        probs = {name: trainer.evaluate(splits[name]).prob for name in PREDICTION_SPLITS}
        write_outputs(record, _examples(data), probs, instantiate(cfg.calibration), _training_metrics(state))
    finish_run(cfg, run_dir, record, TorchModelIO(model), siamese_settings(embeddings, cfg.embedder))


def _build_trainer(
    cfg: DictConfig,
    model: torch.nn.Module,
    device: torch.device,
    store: CheckpointStore,
    fingerprint: str,
    events: CallbackHandler,
) -> Trainer:
    """The trainer of ``cfg.trainer`` and ``cfg.callback``: AdamW, the loss, the shuffling generator."""
    trainer = cfg.trainer
    optimizer = torch.optim.AdamW(model.parameters(), lr=float(trainer.lr), weight_decay=float(trainer.weight_decay))
    settings = TrainSettings(
        epochs=int(trainer.epochs),
        batch_size=int(trainer.batch_size),
        eval_batch_size=int(trainer.eval_batch_size),
        grad_clip=None if trainer.grad_clip is None else float(trainer.grad_clip),
        bucket_by_length=bool(trainer.bucket_by_length),
        budget=BatchBudget.of(trainer),
    )
    shuffle = torch.Generator().manual_seed(int(cfg.seed))
    stopping = as_object(CallbackConfig, cfg.callback)
    return Trainer(
        model, optimizer, build_loss(loss_spec(cfg)), settings, stopping, device, store, fingerprint, shuffle, events
    )


def _log_data(data: PairData) -> None:
    report = data.report
    sizes = "/".join(str(report["splits"][name]["n"]) for name in ("train", "valid", "test"))
    log.info(
        "%s: %d pairs of %d proteins, train/valid/test %s",
        report["source"],
        report["n_pairs"],
        report["n_proteins"],
        sizes,
    )
    if report["split"]["method"] == "cold":
        log.info(
            "cold split: %d of %d pairs dropped (their two proteins fell in different splits)",
            report["split"]["dropped_pairs"],
            report["n_pairs"],
        )


def _check_trainer(trainer: DictConfig) -> None:
    if int(trainer.epochs) < 1:
        raise ConfigError(f"trainer.epochs must be at least 1, not {trainer.epochs}")
    if int(trainer.batch_size) < 1 or int(trainer.eval_batch_size) < 1:
        raise ConfigError("trainer.batch_size and trainer.eval_batch_size must be at least 1")


def _describe_network(
    model: torch.nn.Module, head: PairHead, device: torch.device, cfg: DictConfig
) -> dict[str, Any]:
    return {
        "arch": model.arch.value,
        "pair_head": head.value,
        "loss": loss_spec(cfg).name,
        "parameters": count_parameters(model),
        "encoder_parameters": count_parameters(model.encoders),
        "head_parameters": count_parameters(model.head),
        "optimizer": "AdamW",
        "device": str(device),
        "threads": torch.get_num_threads(),
    }


def run_fingerprint(cfg: DictConfig, data: PairData, embedder_key: str) -> str:
    """What a checkpoint must match to be resumed: the resolved config (less output-only keys), the
    embedder identity (weights included) and the exact pairs of every split."""
    raw = without(fingerprint_config(cfg), extra=RESUMABLE_ACROSS)  # the key policy: what a resume must match
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode())
    digest.update(embedder_key.encode())
    for name in ("train", "valid", "test"):
        part = data.split(name)
        digest.update(f"|{name}|".encode())
        digest.update("\n".join(f"{i},{y}" for i, y in zip(part["id"], part["label"], strict=True)).encode())
    return digest.hexdigest()


def _resume_payload(cfg: DictConfig, store: CheckpointStore, fingerprint: str, record: RunRecord) -> dict | None:
    info: dict[str, Any] = {"resumed": False, "from_epoch": None, "note": None}
    payload = None
    if cfg.overwrite:
        info["note"] = "overwrite=true: started afresh"
    elif not cfg.trainer.resume:
        info["note"] = "trainer.resume=false: started afresh"
    else:
        payload = store.load_last()
        if payload is not None and payload.get("fingerprint") != fingerprint:
            log.warning("%s was written for another config or data: starting afresh", store.last_path)
            info["note"] = "checkpoints/last.pt belongs to another config or data: started afresh"
            payload = None
    if payload is None:
        store.set_aside()  # checkpoints of another config, or not to be resumed: kept, never deleted
    else:
        info |= {"resumed": True, "from_epoch": int(payload["state"]["epoch"])}
        log.info("resuming from %s (epoch %d done)", store.last_path, info["from_epoch"])
    record.update(resume=info)
    return payload


def _examples(data: PairData) -> dict[str, pd.DataFrame]:
    """The rows of predictions.csv per split: a pair's ``sequence`` is ``SEQA:SEQB``, a pair of complexes'
    ``LIGAND1:RECEPTOR1|LIGAND2:RECEPTOR2``; ``id_a,id_b`` follow, then ``target`` when training was soft."""
    joiner = "|" if data.report.get("kind") == DataKind.complexes.value else ":"
    soft = data.report["labels"].get("target") == TrainTarget.soft.value
    examples = {}
    for name in PREDICTION_SPLITS:
        part = data.split(name)
        examples[name] = pd.DataFrame(
            {
                "id": part["id"],
                "sequence": part["seq_a"] + joiner + part["seq_b"],
                "label": part["label"].astype(int),
                "id_a": part["id_a"],
                "id_b": part["id_b"],
                **({"target": part["target"]} if soft else {}),
            }
        )
    return examples


def _training_metrics(state: TrainState) -> dict[str, Any]:
    return {"best_epoch": int(state.stopper.best_epoch), "epochs_run": int(state.epoch)}

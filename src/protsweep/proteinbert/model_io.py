"""ProteinBERT models saved and rebuilt (TensorFlow; imported only for ProteinBERT runs and predictions).

Weights go to ``model.safetensors``: the arrays of ``model.get_weights()`` in the model's own order, keyed
``00000, 00001, ...``, with the variable names in the file's metadata (no pickle, no code). tf-keras 2.21 reads
any file named ``*.weights.h5`` as the Keras-3 format, which walks layers by their (session-numbered) names, so
plain arrays in layer order are the robust choice. The model is rebuilt from the card's config - upstream
architecture, ``features`` and ``head`` - at random init, and the arrays are set in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from safetensors import SafetensorError
from safetensors.numpy import load_file, save

from protsweep.errors import ProtsweepError
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.model import build_model, is_head_layer
from protsweep.proteinbert.trainer import FineTuner
from protsweep.record.writer import RunRecord
from protsweep.saved.card import shape_mismatch, verified_weights
from protsweep.saved.store import Parent, parent_run, weights_misfit

WEIGHTS_FILE = "model.safetensors"
#: sequences per model.predict call in protsweep-predict (the progress bar moves once per chunk)
CHUNK = 2048


class KerasModelIO:
    weights_name = WEIGHTS_FILE
    weights_format = "safetensors (tf-keras get_weights order)"

    def __init__(self, model: Any) -> None:
        self.model = model

    def save_weights(self, path: Path) -> None:
        arrays = {f"{i:05d}": np.ascontiguousarray(w) for i, w in enumerate(self.model.get_weights())}
        names = json.dumps([w.name for w in self.model.weights])
        path.write_bytes(save(arrays, metadata={"format": "tf-keras get_weights", "names": names}))

    def summary(self) -> str:
        return keras_summary(self.model)


def parameter_count(weights: list[Any]) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def keras_summary(model: Any) -> str:
    """Keras's layer table (with a trainable column), then parameters per part: the pretrained backbone and the
    new layers, trainable or frozen as they were in the last stage."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *_, **__: lines.append(line), line_length=120, show_trainable=True)
    head = [layer for layer in model.layers if is_head_layer(layer)]
    backbone = [layer for layer in model.layers if not is_head_layer(layer)]
    lines += ["", "parameters by part (state of the last training stage):"]
    for part, layers in (("backbone", backbone), ("head and features", head)):
        trainable = parameter_count([w for layer in layers for w in layer.trainable_weights])
        frozen = parameter_count([w for layer in layers for w in layer.non_trainable_weights])
        lines.append(f"  {part}: {trainable + frozen:,} ({trainable:,} trainable, {frozen:,} frozen)")
    return "\n".join(lines) + "\n"


def load_weights_into(model: Any, path: Path, misfit: Callable[[Exception], Exception]) -> None:
    """Set ``model``'s weights from ``path``; a file that does not fit raises ``misfit(err)``."""
    try:
        stored = load_file(str(path))
        arrays = [stored[key] for key in sorted(stored)]
        wanted = [tuple(w.shape) for w in model.weights]
        found = [tuple(a.shape) for a in arrays]
        if found != wanted:
            raise ValueError(shape_mismatch(found, wanted))
        model.set_weights(arrays)
    except (ValueError, OSError, SafetensorError) as err:
        raise misfit(err) from err


def warm_start(model: Any, cfg: DictConfig, record: RunRecord) -> Parent | None:
    """``trainer.init_from``: the parent run's final weights replace the new model's initial ones."""
    parent = parent_run(cfg, record)
    if parent is None:
        return None
    misfit = lambda err: weights_misfit(parent, err)  # noqa: E731
    if cfg.trainer.get("init_backbone_only"):
        copy_backbone(rebuild_model(parent.card, parent.weights, misfit), model, misfit)
    else:
        load_weights_into(model, parent.weights, misfit)
    return parent


def copy_backbone(source: Any, target: Any, misfit: Callable[[Exception], Exception]) -> None:
    """``trainer.init_backbone_only``: the backbone layers' weights (every layer but the head and features) of
    ``source`` into ``target``, layer by layer in order; the target's head keeps its fresh initial weights."""
    theirs = [layer for layer in source.layers if layer.weights and not is_head_layer(layer)]
    ours = [layer for layer in target.layers if layer.weights and not is_head_layer(layer)]
    shapes = [[tuple(w.shape) for w in layer.weights] for layer in theirs]
    if shapes != [[tuple(w.shape) for w in layer.weights] for layer in ours]:
        raise misfit(ValueError(f"its backbone ({len(theirs)} layers) differs from this run's ({len(ours)} layers)"))
    for mine, parents in zip(ours, theirs, strict=True):
        mine.set_weights(parents.get_weights())


def rebuild_model(card: dict[str, Any], weights: Path, misfit: Callable[[Exception], Exception]) -> Any:
    """The model a card describes (upstream architecture, ``features``, ``head``), with its saved weights."""
    cfg = OmegaConf.create(card["config"])
    settings = card["family_settings"]
    model_cfg = OmegaConf.merge(cfg.model, {"pretrained": "random", "n_annotations": settings["n_annotations"]})
    backbone = load_backbone(model_cfg)
    model = build_model(backbone.generator, instantiate(cfg.features), instantiate(cfg.head))
    load_weights_into(model, weights, misfit)
    return model


def proteinbert_settings(seq_len: int, padding: str, n_annotations: int, eval_batch_size: int) -> dict[str, Any]:
    """What a prediction needs beyond the config: the final stage's seq_len, padding, annotation width."""
    return {"seq_len": int(seq_len), "padding": padding, "n_annotations": int(n_annotations),
            "eval_batch_size": int(eval_batch_size)}


class ProteinBertPredictor:
    """The saved model of one ProteinBERT run, rebuilt; scores single sequences as the run did."""

    input_kind = "single"

    def __init__(self, run_dir: Path, card: dict[str, Any], cache_dir: str | None = None) -> None:
        """``cache_dir`` is for the Siamese predictor's embeddings; ProteinBERT reads sequences directly."""
        settings = card["family_settings"]
        weights = verified_weights(run_dir, card)
        model = rebuild_model(
            card, weights, lambda err: ProtsweepError(f"{weights}: does not fit the model its card describes: {err}")
        )
        self.seq_len = int(settings["seq_len"])
        self.tuner = FineTuner(
            model=model, make_loss=lambda: None, make_optimizer=lambda **_: None,
            n_annotations=int(settings["n_annotations"]), padding=str(settings["padding"]),
            eval_batch_size=int(settings["eval_batch_size"]),
        )

    def predict_raw(self, inputs: pd.DataFrame, advance: Any = None) -> np.ndarray:
        """Raw probabilities of ``inputs["sequence"]``; ``advance(n)`` after every chunk of n sequences."""
        sequences = inputs["sequence"].tolist()
        out = np.empty(len(sequences), dtype=np.float64)
        for start in range(0, len(sequences), CHUNK):
            part = sequences[start : start + CHUNK]
            out[start : start + len(part)] = self.tuner.predict(part, self.seq_len)
            if advance is not None:
                advance(len(part))
        return out


"""The pretrained ProteinBERT backbone: upstream's model generator, fixed for tf-keras, and its weights.

Upstream's ``ModelGenerator._init_weights`` calls ``model.optimizer.get_weights()``, which tf-keras 2.21
optimizers no longer have, and its ``create_model`` passes ``lr=`` to the optimizer. The subclass below
keeps upstream's architecture and weight handling and leaves optimisers to protsweep.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import numpy as np
from omegaconf import DictConfig

from protsweep.errors import ProtsweepError
from protsweep.integrity.pickles import check_sha256, load_dump
from protsweep.proteinbert.config import Pretrained
from protsweep.proteinbert.tf_env import keras, tf

from proteinbert import conv_and_global_attention_model  # isort: skip
from proteinbert.conv_and_global_attention_model import GlobalAttention  # isort: skip
from proteinbert.existing_model_loading import (  # isort: skip
    DEFAULT_LOCAL_MODEL_DUMP_DIR,
    DEFAULT_LOCAL_MODEL_DUMP_FILE_NAME,
    DEFAULT_REMOTE_MODEL_DUMP_URL,
)
from proteinbert.model_generation import PretrainingModelGenerator, copy_weights  # isort: skip
from proteinbert.tokenization import n_tokens  # isort: skip

log = logging.getLogger(__name__)

#: Upstream's default dump: ~/proteinbert_models/default.pkl
DEFAULT_WEIGHTS_PATH = f"{DEFAULT_LOCAL_MODEL_DUMP_DIR}/{DEFAULT_LOCAL_MODEL_DUMP_FILE_NAME}"
ARCHITECTURE_KEYS = (
    "d_hidden_seq", "d_hidden_global", "n_blocks", "n_heads", "d_key", "conv_kernel_size", "wide_conv_dilation_rate",
)


TEMPLATE_SEQ_LEN = 16


class DynamicLengthGlobalAttention(GlobalAttention):
    """Upstream's global attention with the sequence length read at run time instead of trace time.

    Upstream reshapes with ``K.int_shape(S)[1]``, which fixes the length in the graph and forces one
    model per seq_len. The weights and the arithmetic are unchanged, so one model serves every length
    and outputs equal upstream's fixed-length model bit for bit at any padded length.
    """

    def call(self, inputs: list[Any]) -> Any:
        _, residues = inputs
        length = tf.shape(residues)[1]
        values = tf.transpose(keras.activations.gelu(keras.backend.dot(residues, self.Wv)), (0, 2, 1, 3))
        values = tf.reshape(values, (-1, length, self.d_value))
        attended = keras.backend.batch_dot(self.calculate_attention(inputs), values)
        return tf.reshape(attended, (-1, self.d_output))

    def calculate_attention(self, inputs: list[Any]) -> Any:
        global_state, residues = inputs
        length = tf.shape(residues)[1]
        queries = tf.reshape(keras.backend.tanh(keras.backend.dot(global_state, self.Wq)), (-1, self.d_key))
        keys = tf.transpose(keras.backend.tanh(keras.backend.dot(residues, self.Wk)), (0, 2, 3, 1))
        keys = tf.reshape(keys, (-1, self.d_key, length))
        return keras.backend.softmax(keras.backend.batch_dot(queries, keys) / self.sqrt_d_key)


def _dynamic_clone(layer: Any) -> Any:
    if isinstance(layer, GlobalAttention):
        return DynamicLengthGlobalAttention(layer.n_heads, layer.d_key, layer.d_value, name=layer.name)
    return layer.__class__.from_config(layer.get_config())


def copy_weights_by_layer(source: Any, target: Any) -> None:
    for layer in source.layers:
        if layer.weights:
            target.get_layer(layer.name).set_weights(layer.get_weights())


class LegacyKerasPretrainingModelGenerator(PretrainingModelGenerator):
    """Upstream's generator; builds the (uncompiled) backbone and loads the pretrained weights."""

    def create_model(self, seq_len: int | None, compile: bool = False, init_weights: bool = True) -> Any:
        """``seq_len=None`` gives a backbone that accepts any length (see DynamicLengthGlobalAttention)."""
        if compile:
            raise NotImplementedError("protsweep compiles the fine-tuning model itself")
        fixed = self.create_model_function(seq_len or TEMPLATE_SEQ_LEN, n_tokens, self.n_annotations,
                                           **self.create_model_kwargs)
        if init_weights:
            self._init_weights(fixed)
        if seq_len is not None:
            return fixed
        inputs = [
            keras.layers.Input(shape=(None,), dtype=np.int32, name="input-seq"),
            keras.layers.Input(shape=(self.n_annotations,), dtype=np.float32, name="input-annotations"),
        ]
        dynamic = keras.models.clone_model(fixed, input_tensors=inputs, clone_function=_dynamic_clone)
        copy_weights_by_layer(fixed, dynamic)
        return dynamic

    def _init_weights(self, model: Any) -> None:
        # Upstream restores optimizer weights through model.optimizer.get_weights(), gone in tf-keras;
        # fine-tuning starts each stage with a fresh optimizer, as upstream effectively does when the
        # number of optimizer weights changes between the frozen and the unfrozen stage.
        if self.model_weights is not None:
            model.set_weights(copy_weights(self.model_weights))


@dataclass
class Backbone:
    generator: LegacyKerasPretrainingModelGenerator
    pretrained: str  # "loaded <path>" | "random" | "random (auto: ...)"


def architecture_kwargs(model_cfg: DictConfig) -> dict[str, int]:
    return {key: int(model_cfg[key]) for key in ARCHITECTURE_KEYS}


def read_dump(path: Path, expected_sha256: str | None = None) -> tuple[int, list[np.ndarray], Any]:
    """Upstream's dump format: a pickle of ``(n_annotations, model weights, optimizer weights)``, read by an
    unpickler that resolves numpy arrays only (:mod:`protsweep.integrity.pickles`)."""
    return load_dump(path, expected_sha256)


def load_backbone(model_cfg: DictConfig) -> Backbone:
    """``pretrained``: ``required`` loads (or downloads with upstream's loader) or fails; ``auto`` loads the
    dump when present, else random init with a loud warning; ``random`` is random init."""
    mode = Pretrained(model_cfg.pretrained)
    path = Path(str(model_cfg.weights_path)).expanduser()
    sha256 = model_cfg.get("weights_sha256")
    kwargs = architecture_kwargs(model_cfg)
    random_generator = LegacyKerasPretrainingModelGenerator(
        conv_and_global_attention_model.create_model, int(model_cfg.n_annotations), create_model_kwargs=kwargs
    )
    if mode is Pretrained.random:
        return Backbone(random_generator, "random")
    if not path.is_file():
        if mode is Pretrained.auto:
            log.warning(
                "!!! model.pretrained=auto: no ProteinBERT dump at %s - training from RANDOM INIT. "
                "Results will not reflect pretrained ProteinBERT. !!!", path,
            )
            return Backbone(random_generator, f"random (auto: no dump at {path})")
        if model_cfg.download:
            _download(path, sha256)
    if not path.is_file():
        raise ProtsweepError(_missing_dump_message(path))
    default = Path(DEFAULT_WEIGHTS_PATH).expanduser()
    named = "the documented default" if path == default else "named by model.weights_path"
    log.info(
        "unpickling the ProteinBERT dump %s (%s; model.pretrained=%s; numpy arrays only%s)",
        path, named, mode.value, ", SHA-256 checked first" if sha256 else "",
    )
    n_annotations, weights, _ = read_dump(path, sha256)
    generator = LegacyKerasPretrainingModelGenerator(
        conv_and_global_attention_model.create_model, n_annotations, create_model_kwargs=kwargs,
        model_weights=weights,
    )
    _check_weights_fit(generator, path)
    return Backbone(generator, f"loaded {path}")


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def _download(path: Path, sha256: str | None = None, url: str = DEFAULT_REMOTE_MODEL_DUMP_URL) -> None:
    """Download the dump to ``<path>.part`` and rename it onto ``path`` only when complete (and its SHA-256
    matches ``model.weights_sha256`` if given): an interrupted download never looks like a dump, and a
    leftover ``.part`` is removed before the next try. Never unpickles (upstream's loader would)."""
    part = partial_path(path)
    if part.exists():
        log.warning("removing %s, a partial download left by an interrupted run", part)
        part.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading the ProteinBERT dump %s -> %s", url, path)
    try:
        with urlopen(url, timeout=60) as remote, part.open("wb") as local:
            shutil.copyfileobj(remote, local)
        check_sha256(part, sha256)
        os.replace(part, path)
    except Exception as err:  # network errors, refusals, a wrong checksum: no dump, and no partial file
        log.error("downloading the ProteinBERT dump failed: %s", err)
        with contextlib.suppress(FileNotFoundError):
            part.unlink()


def _missing_dump_message(path: Path) -> str:
    return (
        f"model.pretrained=required but no ProteinBERT dump at {path} and it could not be downloaded. "
        f"Get it from {DEFAULT_REMOTE_MODEL_DUMP_URL} (upstream's epoch_92400_sample_23500000.pkl) and save it as "
        f"{path}, or set model.weights_path=/path/to/dump.pkl (or model.pretrained=auto|random)"
    )


def _check_weights_fit(generator: LegacyKerasPretrainingModelGenerator, path: Path) -> None:
    probe = generator.create_model(16, init_weights=False)
    shapes = [tuple(w.shape) for w in probe.get_weights()]
    dumped = [tuple(np.shape(w)) for w in generator.model_weights]
    if shapes != dumped:
        raise ProtsweepError(
            f"{path}: the dump's weights ({len(dumped)} arrays) do not fit the configured architecture "
            f"({len(shapes)} arrays); model.d_hidden_seq/d_hidden_global/n_blocks/... must match the dump"
        )

"""Which embedder produced an embedding: the model, a fingerprint of its weights, ``max_len``, the compute
dtype and the representation. The embedding cache is keyed by this identity, so embeddings of different weights or a
different truncation are never mixed. Torch-free: a warm cache is used without loading any model.

Pretrained weights are found offline only: ``embedder.weights_dir`` (``config.json`` + ``model.safetensors``),
then the local Hugging Face cache for ``embedder.hf_repo``. Nothing is ever downloaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from protsweep.atomic import write_json_atomic
from protsweep.errors import ConfigError
from protsweep.siamese.schema import EmbedderDtype, EmbedderWeights, choice

CONFIG_JSON = "config.json"
WEIGHTS_FILE = "model.safetensors"
#: Per-residue states of the last layer (after its final LayerNorm), BOS and EOS positions removed.
REPRESENTATION = "last_layer_residues"
_HEX = set("0123456789abcdef")


class WeightsNotFoundError(ConfigError):
    """Pretrained weights are neither in ``embedder.weights_dir`` nor in the local Hugging Face cache."""


@dataclass(frozen=True)
class WeightsLocation:
    directory: Path | None  # None: random init
    found_in: str  # "embedder.weights_dir" | "huggingface cache" | "random init"
    fingerprint: str


@dataclass(frozen=True)
class EmbedderIdentity:
    name: str
    weights: str  # fingerprint
    pretrained: bool
    hidden_size: int
    max_len: int
    dtype: str  # the compute dtype actually used: fp32 | bf16
    representation: str = REPRESENTATION

    def key(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "key": self.key()}


def identity_of(cfg: DictConfig, location: WeightsLocation) -> EmbedderIdentity:
    return EmbedderIdentity(
        name=str(cfg.name),
        weights=location.fingerprint,
        pretrained=location.directory is not None,
        hidden_size=int(cfg.hidden_size),
        max_len=int(cfg.max_len),
        dtype=resolve_dtype(cfg),
    )


def resolve_dtype(cfg: DictConfig) -> str:
    """``embedder.dtype`` made explicit: ``auto`` is bf16 where the device supports it (a CUDA GPU with bf16),
    fp32 on CPU. torch is imported only to ask a GPU, never for ``device=cpu`` or an explicit dtype."""
    setting = choice(EmbedderDtype, cfg.get("dtype", "auto"))
    if setting is not EmbedderDtype.auto:
        return setting.value
    if str(cfg.get("device", "auto")) == "cpu":
        return EmbedderDtype.fp32.value
    import torch

    device = str(cfg.get("device", "auto"))
    on_gpu = (device == "auto" or device.startswith("cuda")) and torch.cuda.is_available()
    return EmbedderDtype.bf16.value if on_gpu and torch.cuda.is_bf16_supported() else EmbedderDtype.fp32.value


def locate_weights(cfg: DictConfig, cache_root: Path) -> WeightsLocation:
    if choice(EmbedderWeights, cfg.weights) is EmbedderWeights.random:
        return WeightsLocation(None, "random init", _random_fingerprint(cfg))
    looked: list[str] = []
    directory, found_in = _from_weights_dir(cfg, looked), "embedder.weights_dir"
    if directory is None:
        directory, found_in = _from_hf_cache(cfg, looked), f"huggingface cache ({cfg.hf_repo})"
    if directory is None:
        raise WeightsNotFoundError(_not_found_message(cfg, looked))
    _check_config(cfg, directory)
    fingerprint = f"{_file_sha256(directory / CONFIG_JSON)[:12]}:{weights_sha256(directory / WEIGHTS_FILE, cache_root)}"
    return WeightsLocation(directory, found_in, fingerprint)


def _random_fingerprint(cfg: DictConfig) -> str:
    versions = {name: _version(name) for name in ("esm", "torch")}
    return (
        f"random-init seed={int(cfg.init_seed)} hidden={int(cfg.hidden_size)} heads={int(cfg.num_heads)} "
        f"layers={int(cfg.num_layers)} esm={versions['esm']} torch={versions['torch']}"
    )


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _from_weights_dir(cfg: DictConfig, looked: list[str]) -> Path | None:
    if not cfg.weights_dir:
        return None
    directory = Path(str(cfg.weights_dir)).expanduser()
    present = [name for name in (CONFIG_JSON, WEIGHTS_FILE) if (directory / name).is_file()]
    if len(present) == 2:
        return directory
    missing = [name for name in (CONFIG_JSON, WEIGHTS_FILE) if name not in present]
    state = "no such directory" if not directory.is_dir() else f"missing {' and '.join(missing)}"
    looked.append(f"embedder.weights_dir={directory} ({state})")
    return None


def _from_hf_cache(cfg: DictConfig, looked: list[str]) -> Path | None:
    if not cfg.hf_repo:
        return None
    from huggingface_hub import constants, try_to_load_from_cache

    found = [try_to_load_from_cache(str(cfg.hf_repo), name) for name in (CONFIG_JSON, WEIGHTS_FILE)]
    if all(isinstance(path, str) for path in found):
        config_path, weights_path = (Path(str(p)) for p in found)
        if config_path.parent == weights_path.parent:
            return config_path.parent
    looked.append(f"the Hugging Face cache ({constants.HF_HUB_CACHE}) for {cfg.hf_repo} (not cached)")
    return None


def _not_found_message(cfg: DictConfig, looked: list[str]) -> str:
    target = Path(str(cfg.weights_dir or f"~/.cache/protsweep/{cfg.name}")).expanduser()
    repo = cfg.hf_repo or "<hf repo>"
    places = "; ".join(looked) or "nowhere (no weights_dir or hf_repo)"
    return (
        f"embedder={cfg.name}: ESM C weights not found. Looked in: {places}. "
        f"protsweep never downloads weights. On a machine with internet run "
        f"`huggingface-cli download {repo} config.json model.safetensors --local-dir {target}` "
        f"and copy that folder here (or set embedder.weights_dir to a folder holding "
        f"{CONFIG_JSON} + {WEIGHTS_FILE}); "
        f"for an offline smoke run use embedder=esmc_tiny"
    )


def _check_config(cfg: DictConfig, directory: Path) -> None:
    try:
        raw = json.loads((directory / CONFIG_JSON).read_text())
    except (OSError, ValueError) as err:
        raise ConfigError(f"embedder={cfg.name}: {directory / CONFIG_JSON} is not readable JSON: {err}") from err
    hidden = raw.get("hidden_size", raw.get("d_model"))
    layers = raw.get("num_hidden_layers", raw.get("n_layers"))
    if hidden != int(cfg.hidden_size) or layers != int(cfg.num_layers):
        raise ConfigError(
            f"embedder={cfg.name} expects hidden_size={cfg.hidden_size}, {cfg.num_layers} layers, but "
            f"{directory / CONFIG_JSON} says hidden_size={hidden}, {layers} layers: "
            "wrong weights for this option"
        )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(path: Path, cache_root: Path) -> str:
    """The SHA-256 of the weights file. In the Hugging Face cache the blob is already named by it;
    elsewhere it is computed once and remembered by (path, size, mtime, device, inode, ctime). A memo copied
    or planted with the cache folder names another file's device, inode and ctime (which no one sets by
    hand), so it never vouches for this machine's weights: they are hashed again."""
    real = path.resolve()
    if real.parent.name == "blobs" and len(real.name) == 64 and set(real.name) <= _HEX:
        return real.name
    stat = real.stat()
    memo_path = cache_root / "weights_sha256.json"
    key = f"{real}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_dev}|{stat.st_ino}|{stat.st_ctime_ns}"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    memo = memo if isinstance(memo, dict) else {}
    known = memo.get(key)
    if not (isinstance(known, str) and len(known) == 64 and set(known) <= _HEX):  # absent, or not a SHA-256
        memo[key] = known = _file_sha256(real)
        with contextlib.suppress(OSError):  # a read-only cache only costs a re-hash next time
            write_json_atomic(memo_path, memo)
    return known


def describe(location: WeightsLocation) -> str:
    return os.fspath(location.directory) if location.directory else location.found_in

"""Per-epoch checkpoints in ``<run_dir>/checkpoints/``, in formats that cannot run code when read:

- ``last.pt``: optimizer, training state, every RNG state (numpy arrays stored as tensors) and the name and
  SHA-256 of the model file; read with ``torch.load(weights_only=True)``, so a planted pickle is refused;
- ``last-<sha256[:16]>.safetensors``: the model weights of that epoch (safetensors holds tensors only);
- ``best.safetensors``: the weights of the best epoch so far, its epoch and value in the metadata.

Every file is written atomically, and ``last.pt`` only after its model file, so an interruption leaves the
previous complete pair in place. An unreadable, foreign or mismatched checkpoint is not used (logged), and
checkpoints that are not resumed are moved aside to ``replaced-<time>/``, never deleted.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from protsweep.atomic import write_atomic

log = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoints"
LAST = "last.pt"
BEST = "best.safetensors"
MODEL_PREFIX = "last-"
FORMAT = 2
_ARRAY = "__ndarray__"


def to_safe(obj: Any) -> Any:
    """numpy arrays and scalars as tensors and Python numbers: what ``weights_only=True`` reads back."""
    if isinstance(obj, np.ndarray):
        return {_ARRAY: torch.from_numpy(obj.astype(np.int64) if obj.dtype.kind in "iu" else obj.copy()),
                "dtype": obj.dtype.str}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: to_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_safe(v) for v in obj)
    return obj


def from_safe(obj: Any) -> Any:
    if isinstance(obj, dict) and _ARRAY in obj:
        return obj[_ARRAY].numpy().astype(np.dtype(obj["dtype"]))
    if isinstance(obj, dict):
        return {k: from_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_safe(v) for v in obj)
    return obj


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _contiguous(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in state.items()}


class CheckpointStore:
    def __init__(self, run_dir: Path) -> None:
        self.directory = Path(run_dir) / CHECKPOINT_DIR

    @property
    def last_path(self) -> Path:
        return self.directory / LAST

    @property
    def best_path(self) -> Path:
        return self.directory / BEST

    def save_last(self, payload: dict[str, Any]) -> None:
        """``payload``: ``model`` (a state dict) and anything else (optimizer, state, rng, fingerprint)."""
        rest = dict(payload)
        model = _contiguous(rest.pop("model"))
        tmp = write_atomic(self.directory / f".{MODEL_PREFIX}new.safetensors", lambda p: save_file(model, str(p)))
        sha = _sha256(tmp)
        model_path = tmp.rename(self.directory / f"{MODEL_PREFIX}{sha[:16]}.safetensors")
        meta = {"format": FORMAT, "model_file": model_path.name, "model_sha256": sha, **to_safe(rest)}
        write_atomic(self.last_path, lambda p: torch.save(meta, p))
        for old in self.directory.glob(f"{MODEL_PREFIX}*.safetensors"):
            if old.name != model_path.name:
                old.unlink(missing_ok=True)

    def save_best(self, model_state: dict[str, torch.Tensor], epoch: int, value: float) -> None:
        meta = {"format": str(FORMAT), "epoch": str(epoch), "value": repr(float(value))}
        state = _contiguous(model_state)
        write_atomic(self.best_path, lambda p: save_file(state, str(p), metadata=meta))

    def load_last(self) -> dict[str, Any] | None:
        """The ``save_last`` payload, or None when absent, unreadable, of another format or inconsistent."""
        if not self.last_path.is_file():
            return None
        try:
            meta = torch.load(self.last_path, map_location="cpu", weights_only=True)
        except Exception as err:  # a planted or foreign pickle lands here: it is never executed
            log.warning("checkpoint %s is not a safe protsweep checkpoint (%s): not used",
                        self.last_path, str(err).splitlines()[0])
            return None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            log.warning("checkpoint %s has an unknown format: not used", self.last_path)
            return None
        model_path = self.directory / str(meta.get("model_file"))
        if not model_path.is_file() or _sha256(model_path) != meta.get("model_sha256"):
            log.warning("checkpoint %s: its model file %s is missing or altered: not used", self.last_path, model_path)
            return None
        payload = from_safe({k: v for k, v in meta.items() if k not in ("model_file", "model_sha256")})
        return {**payload, "model": load_file(str(model_path))}

    def load_best(self) -> dict[str, Any] | None:
        if not self.best_path.is_file():
            return None
        try:
            with safe_open(str(self.best_path), framework="pt") as handle:
                meta = handle.metadata() or {}
                model = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 (safe_open is not iterable)
            return {"model": model, "epoch": int(meta["epoch"]), "value": float(meta["value"])}
        except Exception as err:
            log.warning("checkpoint %s is unreadable (%s): not used", self.best_path, err)
            return None

    def set_aside(self) -> Path | None:
        """Move every checkpoint file to ``checkpoints/replaced-<time>/`` (nothing earlier is deleted)."""
        present = [p for p in self.directory.glob("*") if p.is_file()] if self.directory.is_dir() else []
        if not present:
            return None
        keep = self.directory / f"replaced-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
        keep.mkdir(parents=True)
        for path in present:
            shutil.move(str(path), keep / path.name)
        log.info("earlier checkpoints moved to %s", keep)
        return keep

"""Per-epoch checkpoints in ``<run_dir>/checkpoints/``: ``last.pt`` (model, optimizer, training state and
every RNG state, enough to resume bit for bit) and ``best.pt`` (the weights of the best epoch so far).
Both are written atomically, so an interruption leaves the previous complete file in place."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from protsweep.atomic import write_atomic

log = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoints"
LAST = "last.pt"
BEST = "best.pt"
FORMAT = 1


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
        self._save(self.last_path, {"format": FORMAT, **payload})

    def save_best(self, model_state: dict[str, torch.Tensor], epoch: int, value: float) -> None:
        self._save(self.best_path, {"format": FORMAT, "model": model_state, "epoch": epoch, "value": value})

    def load_last(self) -> dict[str, Any] | None:
        return self._load(self.last_path)

    def load_best(self) -> dict[str, Any] | None:
        return self._load(self.best_path)

    def clear(self) -> None:
        for path in (self.last_path, self.best_path):
            path.unlink(missing_ok=True)

    @staticmethod
    def _save(path: Path, payload: dict[str, Any]) -> None:
        write_atomic(path, lambda tmp: torch.save(payload, tmp))

    @staticmethod
    def _load(path: Path) -> dict[str, Any] | None:
        if not path.is_file():
            return None
        try:
            # our own file (it holds numpy and Python RNG states, which weights_only refuses)
            payload = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as err:  # an unreadable checkpoint means starting over, not failing the run
            log.warning("checkpoint %s is unreadable (%s): not used", path, err)
            return None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            log.warning("checkpoint %s has an unknown format: not used", path)
            return None
        return payload

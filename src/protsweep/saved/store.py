"""What every run leaves besides the record: ``model_summary.txt``, ``curves.png`` and (unless
``save_model=false``) the saved model with its card; and the warm start (``trainer.init_from``).

Framework-neutral: a family hands over a :class:`ModelIO` (its weights writer and summary) and the
settings its predictor needs; each family's ``model_io`` module holds the framework code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from omegaconf import DictConfig, OmegaConf

from protsweep.atomic import write_atomic, write_json_atomic, write_text_atomic
from protsweep.errors import ProtsweepError
from protsweep.record.contract import CALIBRATION_KEY, HISTORY_CSV, METRICS_JSON, Status
from protsweep.record.plots import CURVES_PNG, write_curves
from protsweep.record.state import read_status
from protsweep.record.writer import RunRecord
from protsweep.saved.card import (
    CARD_FORMAT,
    MODEL_DIR,
    card_path,
    check_finite_weights,
    model_dir,
    read_card,
    sha256_file,
    verified_weights,
    weights_entry,
)
from protsweep.saved.card_info import card_info, relative_settings
from protsweep.saved.parent_source import parent_dir

log = logging.getLogger(__name__)

SUMMARY_TXT = "model_summary.txt"


class ModelIO(Protocol):
    """A family's trained model as the saver sees it."""

    weights_name: str  # file name under model/
    weights_format: str  # recorded in the card and run.json

    def save_weights(self, path: Path) -> None: ...

    def summary(self) -> str: ...


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    raw = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    assert isinstance(raw, dict)
    return raw


def finish_run(
    cfg: DictConfig, run_dir: Path, record: RunRecord, io: ModelIO, family_settings: dict[str, Any]
) -> dict[str, Any] | None:
    """After predictions.csv and metrics.json: the summary, the curves and the saved model (its entry,
    also written to run.json as ``saved_model``; None with ``save_model=false``)."""
    run_dir = Path(run_dir)
    write_text_atomic(run_dir / SUMMARY_TXT, io.summary())
    write_curves(run_dir / HISTORY_CSV, run_dir / CURVES_PNG)
    if not bool(cfg.get("save_model", True)):
        record.update(saved_model=None)
        return None
    weights = write_atomic(model_dir(run_dir) / io.weights_name, io.save_weights)
    entry = weights_entry(weights, io.weights_format)
    metrics = json.loads((run_dir / METRICS_JSON).read_text())
    card = {
        "format": CARD_FORMAT,
        "family": str(cfg.model.family),
        "weights": entry,
        "config": resolved_config(cfg),
        "calibration": metrics[CALIBRATION_KEY],
        "family_settings": relative_settings(family_settings, run_dir),
        **card_info(run_dir),  # metrics, pretrained, versions, parent, cwd: relative paths only
    }
    written = write_json_atomic(card_path(run_dir), card)
    saved = {"path": f"{MODEL_DIR}/{entry['file']}", **entry, "card_sha256": sha256_file(written)}
    record.update(saved_model=saved)
    log.info("saved model: %s (%.1f kB)", model_dir(run_dir) / entry["file"], entry["bytes"] / 1024)
    return saved


@dataclass(frozen=True)
class Parent:
    """A finished run whose saved weights start a new one."""

    run_dir: Path
    card: dict[str, Any]
    weights: Path  # checksum verified

    def as_record(self) -> dict[str, Any]:
        return {"run_dir": str(self.run_dir), "weights_sha256": self.card["weights"]["sha256"]}


def parent_run(cfg: DictConfig, record: RunRecord | None = None) -> Parent | None:
    """``trainer.init_from``'s run (completed, same family, weights intact), recorded as ``parent`` in run.json."""
    init_from = cfg.trainer.get("init_from")
    if init_from in (None, ""):
        return None
    variant = cfg.trainer.get("init_variant") or {}  # None: a run folder, or a sweep of one variant
    run_dir = parent_dir(str(init_from), variant, cfg.trainer.get("init_seed"), int(cfg.get("seed", 0)))
    if read_status(run_dir) is not Status.COMPLETED:
        raise ProtsweepError(f"trainer.init_from={init_from}: run.json does not say completed")
    card = read_card(run_dir, str(cfg.model.family))
    parent = Parent(run_dir, card, verified_weights(run_dir, card))
    check_finite_weights(parent.weights)
    if record is not None:
        record.update(parent=parent.as_record())
    log.info("warm start from %s", parent.weights)
    return parent


def weights_misfit(parent: Parent, err: Exception) -> ProtsweepError:
    """The one-line error for parent weights that do not fit the new run's model."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return ProtsweepError(
        f"trainer.init_from={parent.run_dir}: {parent.weights.name} does not fit this run's model "
        f"(the architecture must match the parent's): {first}"
    )

"""Optional tracker loggers (the ``logger`` config group: ``none``, ``tensorboard``, ``mlflow``).

A logger is built when the job starts (so a missing package fails the job before it trains) and writes once
the job has finished, from the run record on disk (``run.json``, ``metrics.json``, ``history.csv``). That is
why it behaves the same under every launcher. A logger that also shows training live has a ``live`` method
returning a training callback (:mod:`protsweep.callbacks`) that the job adds to its run record's listeners.
Jobs that do not train - reused from an earlier run, or skipped as already completed - are written too
(:func:`publish_record`). A logger that fails leaves the job's status alone: the run record is the result,
the tracker a view of it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Protocol

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from protsweep.callbacks import TrainerCallback

log = logging.getLogger(__name__)


class RunLogger(Protocol):
    name: str

    def write(self, run_dir: Path, cfg: DictConfig) -> None:
        """Send the finished run's record to the tracker."""


def build_logger(cfg: DictConfig) -> RunLogger | None:
    """The ``logger`` node's ``_target_`` instantiated, or None (no node, or ``logger=none``)."""
    node = OmegaConf.select(cfg, "logger", default=None)
    if node is None or node.get("_target_") is None:
        return None
    return instantiate(node, _convert_="all")


def live_callbacks(logger: RunLogger | None, run_dir: Path, cfg: DictConfig, record: Any) -> list[TrainerCallback]:
    """The logger's live training callback (an empty list for a logger without one, or one that cannot
    reach its tracker: a warning, and the job trains on)."""
    live = getattr(logger, "live", None)
    if logger is None or live is None:
        return []
    try:
        return [live(run_dir, cfg, record)]
    except Exception as err:
        _warn(logger, run_dir, err)
        return []


def publish_record(cfg: DictConfig, run_dir: Path) -> None:
    """Write a job that did not train here (reused, or skipped as completed) to the configured tracker."""
    try:
        logger = build_logger(cfg)
    except Exception as err:  # e.g. the tracker's package is missing: the job itself is done
        print(f"protsweep: warning [{run_dir.name}]: the logger could not be built: {err}", file=sys.stderr, flush=True)
        return
    if logger is not None:
        publish(logger, run_dir, cfg)


def _warn(logger: RunLogger, run_dir: Path, err: Exception) -> None:
    log.debug("logger %s failed", logger.name, exc_info=True)
    print(
        f"protsweep: warning [{run_dir.name}]: logger={logger.name} could not write: {type(err).__name__}: {err}",
        file=sys.stderr,
        flush=True,
    )


def publish(logger: RunLogger, run_dir: Path, cfg: DictConfig) -> None:
    try:
        logger.write(run_dir, cfg)
    except Exception as err:  # the run is done and recorded; a tracker problem must not change that
        _warn(logger, run_dir, err)

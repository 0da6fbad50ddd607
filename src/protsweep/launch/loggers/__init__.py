"""Optional tracker loggers (the ``logger`` config group: ``none``, ``tensorboard``, ``mlflow``).

A logger is built when the job starts (so a missing package fails the job before it trains) and writes once
the job has finished, from the run record on disk (``run.json``, ``metrics.json``, ``history.csv``). That is
why it behaves the same under every launcher. A logger that fails leaves the job's status alone: the run
record is the result, the tracker a view of it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Protocol

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

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


def publish(logger: RunLogger, run_dir: Path, cfg: DictConfig) -> None:
    try:
        logger.write(run_dir, cfg)
    except Exception as err:  # the run is done and recorded; a tracker problem must not change that
        log.debug("logger %s failed", logger.name, exc_info=True)
        print(
            f"protsweep: warning [{run_dir.name}]: logger={logger.name} could not write: {type(err).__name__}: {err}",
            file=sys.stderr,
            flush=True,
        )

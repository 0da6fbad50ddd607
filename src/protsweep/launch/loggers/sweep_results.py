"""Hydra callback: when a sweep ends, hand its results (``results/``, written by the aggregate callback) to
the tracker logger, for a logger that keeps a run per sweep (``write_sweep``: MLflow's parent run).

Registered in conf/hydra/protsweep.yaml *before* the aggregate callback: Hydra calls ``on_multirun_end`` in
reverse order, so this one runs after the tables exist. It never raises; a problem is one warning line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback

from protsweep.launch.loggers import build_logger


class SweepResultsToTracker(Callback):
    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        restore = not HydraConfig.initialized()  # Hydra clears it after the last job
        try:
            if restore:  # the logger node reads ${hydra:runtime.cwd}
                HydraConfig.instance().set_config(config)
            logger = build_logger(config)
            write_sweep = getattr(logger, "write_sweep", None)
            if write_sweep is not None:
                write_sweep(Path(str(config.hydra.sweep.dir)).absolute(), config)
        except Exception as err:  # the sweep is done and recorded; the tracker is a view of it
            print(f"protsweep: warning: the sweep's results could not be sent to the tracker: "
                  f"{type(err).__name__}: {err}", file=sys.stderr, flush=True)
        finally:
            if restore:
                HydraConfig.instance().cfg = None

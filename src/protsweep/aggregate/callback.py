"""Hydra callback: aggregate the sweep directory when a multirun ends.

Registered in conf/hydra/protsweep.yaml as ``hydra.callbacks.aggregate._target_:
protsweep.aggregate.callback.AggregateOnMultirunEnd``. Hydra skips ``on_multirun_end`` when a job
fails; then ``protsweep-aggregate <sweep dir>`` does the same job. The callback never raises: a
failure becomes one log line, so it cannot turn a finished sweep into an error.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from .bootstrap import DEFAULT_N_BOOT
from .errors import AggregateError

log = logging.getLogger(__name__)


class AggregateOnMultirunEnd(Callback):
    def __init__(
        self, n_boot: int = DEFAULT_N_BOOT, seed: int = 0, plots: bool = True, enabled: bool = True
    ) -> None:
        self.n_boot = int(n_boot)
        self.seed = int(seed)
        self.plots = bool(plots)
        self.enabled = bool(enabled)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        sweep_dir = "?"
        try:
            sweep_dir = str(config.hydra.sweep.dir)
            from .api import aggregate

            results = aggregate([Path(sweep_dir)], n_boot=self.n_boot, seed=self.seed)
            out = results.write(Path(sweep_dir) / "results", plots=self.plots)
            print(results.table_text(), flush=True)
            print(f"\nresults: {out}", flush=True)
        except AggregateError as exc:
            log.warning("protsweep aggregate: %s", exc)
        except Exception as exc:  # the sweep itself is done; never fail it from here
            log.error(
                "protsweep aggregate failed on %s: %s: %s (run `protsweep-aggregate %s --debug` for details)",
                sweep_dir,
                type(exc).__name__,
                exc,
                sweep_dir,
            )

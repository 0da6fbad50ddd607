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
from omegaconf import OmegaConf

from .api import aggregate
from .bootstrap import DEFAULT_N_BOOT
from .errors import AggregateError
from .output import write_results
from .render import console_summary
from .splits import DEFAULT_MIN_CLASS_COUNT

log = logging.getLogger(__name__)
MIN_CLASS_COUNT_KEY = "report.min_class_count"


class AggregateOnMultirunEnd(Callback):
    def __init__(
        self,
        n_boot: int = DEFAULT_N_BOOT,
        seed: int = 0,
        plots: bool = True,
        enabled: bool = True,
        min_class_count: int | None = None,
        exclude_degenerate: bool = False,
    ) -> None:
        """``min_class_count``: None reads the sweep config's ``report.min_class_count`` (default 10)."""
        self.n_boot = int(n_boot)
        self.seed = int(seed)
        self.plots = bool(plots)
        self.enabled = bool(enabled)
        self.min_class_count = min_class_count
        self.exclude_degenerate = bool(exclude_degenerate)

    def _min_class_count(self, config: Any) -> int:
        if self.min_class_count is not None:
            return int(self.min_class_count)
        value = OmegaConf.select(config, MIN_CLASS_COUNT_KEY, default=None)
        return DEFAULT_MIN_CLASS_COUNT if value is None else int(value)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        sweep_dir = "?"
        try:
            sweep_dir = str(config.hydra.sweep.dir)
            results = aggregate(
                [Path(sweep_dir)],
                n_boot=self.n_boot,
                seed=self.seed,
                min_class_count=self._min_class_count(config),
                exclude_degenerate=self.exclude_degenerate,
            )
            out = write_results(results, Path(sweep_dir) / "results", plots=self.plots)
            print(console_summary(results), flush=True)
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

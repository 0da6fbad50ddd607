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
from .verdict import DEFAULT_MARGIN_AUC

log = logging.getLogger(__name__)
REPORT_KEY = "report"  # the config's report node (schema.ReportConfig): margin_auc, min_class_count, ...


class AggregateOnMultirunEnd(Callback):
    def __init__(
        self,
        n_boot: int = DEFAULT_N_BOOT,
        seed: int = 0,
        plots: bool = True,
        enabled: bool = True,
        min_class_count: int | None = None,
        exclude_degenerate: bool | None = None,
        margin_auc: float | None = None,
    ) -> None:
        """``min_class_count``, ``exclude_degenerate``, ``margin_auc``: None reads the sweep config's
        ``report`` node (``report.min_class_count`` ...), else the aggregator's default."""
        self.n_boot = int(n_boot)
        self.seed = int(seed)
        self.plots = bool(plots)
        self.enabled = bool(enabled)
        self.explicit = {
            "min_class_count": min_class_count,
            "exclude_degenerate": exclude_degenerate,
            "margin_auc": margin_auc,
        }

    def report_options(self, config: Any) -> dict[str, Any]:
        """The options given to the callback, else the config's ``report.<key>``, else the defaults."""
        defaults = {
            "min_class_count": DEFAULT_MIN_CLASS_COUNT,
            "exclude_degenerate": False,
            "margin_auc": DEFAULT_MARGIN_AUC,
        }
        out: dict[str, Any] = {}
        for key, default in defaults.items():
            value = self.explicit[key]
            if value is None:
                value = OmegaConf.select(config, f"{REPORT_KEY}.{key}", default=None)
            out[key] = type(default)(default if value is None else value)
        return out

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
                **self.report_options(config),
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

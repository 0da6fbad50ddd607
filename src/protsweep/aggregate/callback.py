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
from .settings import REPORT_KEY, report_settings
from .stratified import aggregate_strata, spans_strata

log = logging.getLogger(__name__)

#: Sweeps of this process whose tables could not be built; ``protsweep.app`` exits non-zero when there are any.
NOT_AGGREGATED: list[str] = []


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
        """The options given to the callback, else the config's ``report.<key>``, else the defaults (one
        reading of the report settings: :func:`protsweep.aggregate.settings.report_settings`)."""
        node = OmegaConf.select(config, REPORT_KEY, default=None)
        base = OmegaConf.to_container(node, resolve=True) if node is not None else {}
        assert isinstance(base, dict)
        given = {key: value for key, value in self.explicit.items() if value is not None}
        return report_settings((), {**base, **given})

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        sweep_dir = "?"
        try:
            sweep_dir = str(config.hydra.sweep.dir)
            options = {"n_boot": self.n_boot, "seed": self.seed, **self.report_options(config)}
            if spans_strata([sweep_dir]):  # several data sets or split kinds: one table each, then pooled
                text, out = aggregate_strata([sweep_dir], Path(sweep_dir) / "results", plots=self.plots, **options)
                print(text, flush=True)
                print(f"\nresults (one folder per stratum, report/ pools them): {out}", flush=True)
                return
            results = aggregate([Path(sweep_dir)], **options)
            out = write_results(results, Path(sweep_dir) / "results", plots=self.plots)
            print(console_summary(results), flush=True)
            print(f"\nresults: {out}", flush=True)
        except AggregateError as exc:
            log.warning("protsweep aggregate: %s", exc)
            NOT_AGGREGATED.append(f"protsweep: error: the sweep's tables could not be built: {exc}")
        except Exception as exc:  # the sweep itself is done; never fail it from here (its exit status says so)
            NOT_AGGREGATED.append(f"protsweep: error: the sweep's tables could not be built ({type(exc).__name__})")
            log.error(
                "protsweep aggregate failed on %s: %s: %s (run `protsweep-aggregate %s --debug` for details)",
                sweep_dir,
                type(exc).__name__,
                exc,
                sweep_dir,
            )

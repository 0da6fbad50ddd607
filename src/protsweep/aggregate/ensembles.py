"""Seed ensembles: the mean probability over a set of seeds, its metrics and bootstrap distributions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .bootstrap import StratifiedBootstrap, percentile_ci
from .columns import METRICS, ensemble_columns, mc_column
from .mc_error import percentile_ci_mc_error
from .metrics import auc_auprc
from .selection import Chosen
from .variant import Variant


@dataclass(frozen=True)
class Ensemble:
    seeds: tuple[int, ...]
    probs: NDArray[np.float64]
    point: dict[str, float]  # metric -> value on the test set
    boot: dict[str, NDArray[np.float64]]  # metric -> values on every bootstrap resample


class EnsembleCache:
    """Ensembles computed once per (variant, seed set)."""

    def __init__(self, chosen: Chosen, boot: StratifiedBootstrap) -> None:
        self.chosen = chosen
        self.boot = boot
        self._cache: dict[tuple[str, tuple[int, ...]], Ensemble] = {}

    def get(self, variant: Variant, seeds: tuple[int, ...]) -> Ensemble:
        key = (variant.key, seeds)
        if key not in self._cache:
            tests = [self.chosen[variant.key][s].test for s in seeds]
            probs = np.mean([t.probs for t in tests if t is not None], axis=0)
            point = dict(zip(METRICS, auc_auprc(probs, self.boot.labels), strict=True))
            boot = dict(zip(METRICS, self.boot.auc_auprc(probs), strict=True))
            self._cache[key] = Ensemble(seeds, probs, point, boot)
        return self._cache[key]


def ensemble_row(ens: Ensemble | None, seed_means: dict[str, float]) -> dict[str, float]:
    """The summary's ensemble columns: value, bootstrap interval and its Monte-Carlo error per metric, gain
    over the seed mean."""
    if ens is None:
        return {c: np.nan for c in ensemble_columns()} | {"ens_k": 0}
    row: dict[str, float] = {"ens_k": len(ens.seeds)}
    for m in METRICS:
        row[f"ens_{m}"] = ens.point[m]
        row[f"ens_{m}_lo"], row[f"ens_{m}_hi"] = percentile_ci(ens.boot[m])
        row[mc_column(f"ens_{m}")] = percentile_ci_mc_error(ens.boot[m])
    for m in METRICS:
        row[f"ens_gain_{m}"] = ens.point[m] - seed_means[m]
    return row

"""Strata, and the replicate keys as the aggregator uses them (declared once, in :mod:`protsweep.keypolicy`).

* Replicate keys change results but index replicates of one variant: the seed and the cross-validation
  fold (``data.cv.fold``; its count ``data.cv.folds`` defines the design and stays in the variant).
* A stratum is one data set under one split kind: the data-defining keys, i.e. every ``data.*`` key except
  the fold index and the reference numbers. Verdicts are computed within a stratum; across strata a
  route's Δ is pooled by a random-effects meta-analysis (``meta.py``).
"""

from __future__ import annotations

from typing import Any

from protsweep.keypolicy import FOLD_KEY

from .configkeys import flatten

FOLDS_KEY = "data.cv.folds"
DATA_PREFIX = "data."
NOT_STRATUM = (FOLD_KEY, "data.reference")


def _in_stratum(key: str) -> bool:
    return key.startswith(DATA_PREFIX) and not any(key == k or key.startswith(k + ".") for k in NOT_STRATUM)


def stratum_of(config: dict[str, Any] | None) -> dict[str, Any]:
    """The data-defining keys of a run's config (flattened)."""
    return {k: v for k, v in sorted(flatten(config or {}).items()) if _in_stratum(k)}


def stratum_labels(strata: list[dict[str, Any]]) -> list[str]:
    """Each stratum named by the keys on which the strata differ (``data.name=hemolysis, ...``)."""
    keys = sorted({k for s in strata for k in s})
    differing = [k for k in keys if len({repr(s.get(k)) for s in strata}) > 1]
    return [", ".join(f"{k}={s.get(k)}" for k in differing) or "all data" for s in strata]


def data_overrides(overrides: list[str]) -> frozenset[str]:
    """The overrides that choose the data (``data=...``, ``data.x=...``), the fold index left out."""
    keys = [(o, o.split("=", 1)[0].lstrip("+~")) for o in overrides]
    return frozenset(o for o, k in keys if (k == "data" or k.startswith(DATA_PREFIX)) and k != FOLD_KEY)


def strata_of(configs: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The distinct strata among run configs, in order of first appearance."""
    seen: list[dict[str, Any]] = []
    for cfg in configs:
        s = stratum_of(cfg)
        if s not in seen:
            seen.append(s)
    return seen

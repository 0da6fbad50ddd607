"""Reference numbers (earlier results and a target) belong to a dataset: the data option's
``data.reference``, overlaid key by key by a root ``reference`` block (a sweep file or the command line,
e.g. ``reference.target=0.952``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .provenance import Provenance

NUMBERS = ("auc_mean", "auprc_mean", "ensemble_auc", "ensemble_auprc", "target")


def effective_reference(configs: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The first run config that declares reference numbers: its ``data.reference`` with the root
    ``reference`` block's set values on top; None when no run declares any."""
    for cfg in configs:
        data_ref = (cfg.get("data") or {}).get("reference")
        root_ref = cfg.get("reference")
        merged: dict[str, Any] = dict(data_ref) if isinstance(data_ref, dict) else {}
        if isinstance(root_ref, dict):
            merged |= {k: v for k, v in root_ref.items() if v is not None}
        if any(merged.get(k) is not None for k in (*NUMBERS, "ensemble_ci")):
            return merged
    return None


def reference_warnings(ref: dict[str, Any] | None, prov: Provenance | None) -> list[str]:
    """A warning when the runs' dataset is not the reference's (the numbers then do not compare)."""
    if not ref or prov is None:
        return []
    dataset = ref.get("dataset")
    if dataset and prov.datasets and str(dataset) not in prov.datasets:
        return [
            f"the reference numbers ({ref.get('label') or 'reference'}) are for dataset {dataset!r}, "
            f"but these runs use {', '.join(prov.datasets)}: they are not comparable"
        ]
    return []


def target_gap(ref: dict[str, Any] | None, auc: float) -> float:
    """target − AUC (positive: the target is not reached); NaN without a target."""
    target = (ref or {}).get("target")
    if target is None or auc is None or math.isnan(float(auc)):
        return math.nan
    return float(target) - float(auc)

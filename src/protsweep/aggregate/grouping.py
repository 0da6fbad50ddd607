"""Variants: runs grouped by their config minus the seed and the output-only keys."""

from __future__ import annotations

import json
from collections import OrderedDict

from .configkeys import OUTPUT_ONLY_KEYS, non_output_overrides, variant_config
from .labels import label_variants
from .records import LoadedRun
from .variant import Variant

__all__ = ["Variant", "declared_factor", "group_runs", "variant_key"]


def variant_key(rec: LoadedRun, ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> str:
    if rec.config is not None:
        return "config:" + json.dumps(variant_config(rec.config, ignore), sort_keys=True, default=str)
    return "overrides:" + json.dumps(sorted(non_output_overrides(rec.overrides, ignore)))


def declared_factor(runs: list[LoadedRun]) -> str | None:
    """The first ``ablation.factor`` the runs declare: the key whose value tells the variants apart."""
    for rec in runs:
        factor = rec.ablation.get("factor")
        if isinstance(factor, str) and factor:
            return factor
    return None


def group_runs(
    runs: list[LoadedRun],
    missing_jobs: list[list[str]],
    ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS,
) -> list[Variant]:
    """Group runs into variants, attach expected-but-missing jobs, and label every variant."""
    variants: OrderedDict[str, Variant] = OrderedDict()
    for rec in runs:
        key = variant_key(rec, ignore)
        variants.setdefault(key, Variant(key=key)).runs.append(rec)
    by_overrides: dict[frozenset[str], Variant] = {}
    for variant in variants.values():
        for rec in variant.runs:
            by_overrides.setdefault(frozenset(non_output_overrides(rec.overrides, ignore)), variant)
    for job in missing_jobs:
        sig = frozenset(non_output_overrides(job, ignore))
        target = by_overrides.get(sig)
        if target is None:
            key = "overrides:" + json.dumps(sorted(sig))
            target = variants.setdefault(key, Variant(key=key))
            by_overrides[sig] = target
        target.missing_jobs.append(job)
    result = list(variants.values())
    label_variants(result, ignore, declared_factor(runs))
    return result

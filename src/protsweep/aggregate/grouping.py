"""Variants: runs grouped by their config minus the seed and the output-only keys."""

from __future__ import annotations

import json
from collections import OrderedDict

from protsweep.integrity.fingerprint import RUN_JSON_KEY, describe_change, digest, result_config
from protsweep.keypolicy import variant_items

from .configkeys import OUTPUT_ONLY_KEYS, non_output_overrides, variant_config
from .labels import label_variants
from .records import LoadedRun
from .variant import Variant

__all__ = ["Variant", "declared_factor", "group_runs", "variant_key"]

FINGERPRINT_PART = "|fingerprint:"


def job_config(rec: LoadedRun) -> dict | None:
    """run.json's config fingerprint less the replicate keys (the seed, the fold): what every run of one
    variant must share."""
    config = result_config(rec.info.get(RUN_JSON_KEY))
    return variant_items(config) if config is not None else None


def variant_key(rec: LoadedRun, ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> str:
    if rec.config is not None:
        key = "config:" + json.dumps(variant_config(rec.config, ignore), sort_keys=True, default=str)
    else:
        key = "overrides:" + json.dumps(sorted(non_output_overrides(rec.overrides, ignore)))
    config = job_config(rec)
    return key if config is None else f"{key}{FINGERPRINT_PART}{digest(config)}"


def _look(key: str) -> str:
    """A variant key less its recorded-fingerprint part."""
    return key.split(FINGERPRINT_PART)[0]


def _recorded_config(variant: Variant) -> dict:
    return next((c for c in map(job_config, variant.runs) if c is not None), {})


def warn_fingerprint_splits(variants: list[Variant]) -> None:
    """Runs that look alike but whose recorded configs differ were put in separate variants: say so, with
    the keys, on each such run (the aggregator lists run warnings among its problems)."""
    by_look: dict[str, list[Variant]] = {}
    for variant in variants:
        by_look.setdefault(_look(variant.key), []).append(variant)
    for group in (g for g in by_look.values() if len(g) > 1):
        first = _recorded_config(group[0])
        for variant in group[1:]:
            change = describe_change(first, _recorded_config(variant))
            for rec in variant.runs + group[0].runs:
                rec.warnings.append(f"recorded config differs within one variant ({change}): split into separate "
                                    "variants, not pooled")


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
    keys = {id(rec): variant_key(rec, ignore) for rec in runs}
    recorded = {_look(key): key for key in keys.values() if key != _look(key)}
    for rec in runs:
        key = keys[id(rec)]
        key = recorded.get(key, key)  # no readable run.json: listed under the variant it looks like
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
    warn_fingerprint_splits(result)
    label_variants(result, ignore, declared_factor(runs))
    return result

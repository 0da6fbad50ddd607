"""Readable variant labels: only the override keys that tell variants apart, paths cut to their file
name, long labels shortened; the full override set of every variant goes to a legend table."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import PurePath

import pandas as pd

from .columns import VARIANT_LEGEND_COLUMNS
from .configkeys import filtered, parse_override, variant_config
from .variant import Variant

DEFAULT_LABEL = "(defaults)"
MAX_LABEL_LEN = 40
ELLIPSIS = "…"
# Keys that describe where data or outputs live; never a label when all variants share them.
SHARED_SETTING_PREFIXES: tuple[str, ...] = ("data", "paths", "sweep", "hydra")


def is_path_like(value: str) -> bool:
    return "/" in value or "\\" in value or value.startswith("~")


def short_value(value: str) -> str:
    """A path is shown by its file name; anything else as it is."""
    if not is_path_like(value):
        return value
    return PurePath(value.replace("\\", "/")).name or value


def shorten(text: str, max_len: int = MAX_LABEL_LEN) -> str:
    """Cut the middle of a long label: its start names the key, its end often tells variants apart
    (``augment=truncate`` vs ``augment=truncate_blosum``)."""
    if len(text) <= max_len:
        return text
    head = max_len // 2
    return text[:head] + ELLIPSIS + text[len(text) - (max_len - head - 1) :]


def format_label(parts: list[tuple[str, str]], max_len: int = MAX_LABEL_LEN) -> str:
    return shorten(",".join(f"{k}={short_value(v)}" for k, v in parts), max_len)


def _differing_keys(sets: list[list[dict[str, str]]], factor: str | None) -> list[str]:
    """Keys with one value within every variant and more than one value across variants; the sweep's
    declared factor first. Keys that only say which sweep a run came from do not qualify."""
    keys: list[str] = list(OrderedDict.fromkeys(k for per in sets for o in per for k in o))
    out = []
    for key in keys:
        per_variant = [{o.get(key) for o in per} for per in sets]
        if (
            all(len(vals) == 1 for vals in per_variant if vals)
            and len({next(iter(vals)) for vals in per_variant if vals}) > 1
        ):
            out.append(key)
    return sorted(out, key=lambda k: k != factor)


def ablation_name(variants: list[Variant]) -> str | None:
    """The one ``ablation.name`` every run of the variants declares (None when absent or not one)."""
    names = {str(r.ablation.get("name")) for v in variants for r in v.runs if r.ablation.get("name")}
    return next(iter(names)) if len(names) == 1 else None


def _single_variant_parts(per: list[dict[str, str]], factor: str | None) -> list[tuple[str, str]]:
    """A lone variant: the factor's value if the overrides give it; else nothing (no key tells it from another
    variant, so none labels it: the caller names it after the ablation)."""
    first = per[0] if per else {}
    shared = [(k, v) for k, v in first.items() if all(o.get(k) == v for o in per)]
    return [(k, v) for k, v in shared if factor is not None and k == factor]


def label_variants(
    variants: list[Variant], ignore: tuple[str, ...], factor: str | None = None, max_len: int = MAX_LABEL_LEN
) -> None:
    """Label each variant by the overrides that tell the variants apart, e.g. ``head=two_layer``."""
    sets = [[filtered(o, ignore) for o in v.override_sets()] for v in variants]
    label_keys = _differing_keys(sets, factor)
    for variant, per in zip(variants, sets, strict=True):
        if len(variants) == 1:
            parts = _single_variant_parts(per, factor)
        else:
            first = per[0] if per else {}
            parts = [(k, first[k]) for k in label_keys if first.get(k) is not None]
        variant.label = format_label(parts, max_len) or DEFAULT_LABEL
    _split_by_config(variants, ignore, max_len)
    # no key tells a variant apart (a lone variant, or shared overrides only): the ablation's name
    name = ablation_name(variants)
    for variant in variants:
        if variant.label == DEFAULT_LABEL and name:
            variant.label = name
    # Labels are table keys: make the last few collisions (if any) unique by position.
    seen: dict[str, int] = {}
    for variant in variants:
        n = seen.get(variant.label, 0)
        seen[variant.label] = n + 1
        if n:
            variant.label = f"{variant.label} #{n + 1}"


def _split_by_config(variants: list[Variant], ignore: tuple[str, ...], max_len: int) -> None:
    """Variants that the overrides do not tell apart get the config keys that differ among them."""
    by_label: OrderedDict[str, list[Variant]] = OrderedDict()
    for variant in variants:
        by_label.setdefault(variant.label, []).append(variant)
    for label, group in by_label.items():
        if len(group) < 2:
            continue
        configs = [variant_config(v.representative.config, ignore) if v.representative else {} for v in group]
        diff_keys = sorted(
            k for k in set().union(*configs) if len({json.dumps(c.get(k), default=str) for c in configs}) > 1
        )
        for i, (variant, cfg) in enumerate(zip(group, configs, strict=True)):
            extra = format_label([(k, str(cfg.get(k))) for k in diff_keys[:3]], max_len) or f"#{i + 1}"
            variant.label = extra if label == DEFAULT_LABEL else f"{label},{extra}"


def variant_legend(variants: list[Variant]) -> pd.DataFrame:
    """Label -> the variant's full override set (without the seed): the legend of shortened labels."""
    rows = []
    for v in variants:
        sets = [[o for o in r.overrides if parse_override(o)[0] != "seed"] for r in v.runs]
        sets += [[o for o in job if parse_override(o)[0] != "seed"] for job in v.missing_jobs]
        rows.append(
            {
                "variant": v.label,
                "baseline": v.is_baseline,
                "n_runs": len(v.runs),
                "overrides": " ".join(sets[0]) if sets else "",
            }
        )
    return pd.DataFrame(rows, columns=VARIANT_LEGEND_COLUMNS)

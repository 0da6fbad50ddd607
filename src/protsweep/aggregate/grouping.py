"""Variants: runs grouped by their config minus the seed and the output-only keys; labels; the baseline."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .errors import BaselineError
from .records import RunRecord, overrides_dict, parse_override

# Keys that never distinguish variants (docs/run-record.md).
OUTPUT_ONLY_KEYS: tuple[str, ...] = ("seed", "overwrite", "ablation", "reference", "hydra")
DEFAULT_LABEL = "(defaults)"


@dataclass
class Variant:
    key: str
    runs: list[RunRecord] = field(default_factory=list)
    # Expected jobs (from multirun.yaml) of this variant that have no run directory: their overrides.
    missing_jobs: list[list[str]] = field(default_factory=list)
    label: str = ""
    is_baseline: bool = False

    def override_sets(self) -> list[dict[str, str]]:
        sets = [overrides_dict(r.overrides) for r in self.runs]
        sets += [overrides_dict(job) for job in self.missing_jobs]
        return sets

    @property
    def representative(self) -> RunRecord | None:
        with_config = [r for r in self.runs if r.config is not None]
        return (with_config or self.runs or [None])[0]


def _is_output_only(key: str, ignore: tuple[str, ...]) -> bool:
    return any(key == k or key.startswith(k + ".") for k in ignore)


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys; lists and scalars are leaves."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        if not obj and prefix:
            out[prefix] = {}
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    else:
        out[prefix] = obj
    return out


def variant_config(rec: RunRecord, ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> dict[str, Any]:
    """The run's flattened config without output-only keys."""
    return {k: v for k, v in flatten(rec.config or {}).items() if not _is_output_only(k, ignore)}


def non_output_overrides(overrides: list[str], ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> list[str]:
    return [o for o in overrides if not _is_output_only(parse_override(o)[0], ignore)]


def variant_key(rec: RunRecord, ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> str:
    if rec.config is not None:
        return "config:" + json.dumps(variant_config(rec, ignore), sort_keys=True, default=str)
    return "overrides:" + json.dumps(sorted(non_output_overrides(rec.overrides, ignore)))


def group_runs(
    runs: list[RunRecord],
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
    _label(result, ignore)
    return result


def _label(variants: list[Variant], ignore: tuple[str, ...]) -> None:
    """Label each variant by the overrides that tell the variants apart, e.g. ``head=two_layer``.

    A key labels variants when it has one value within every variant and differs between them, so
    keys that only say which sweep a run came from (``sweep=head`` and ``sweep=lr`` for the same
    configuration) do not.
    """
    sets = [[_filtered(o, ignore) for o in v.override_sets()] for v in variants]
    keys: list[str] = list(OrderedDict.fromkeys(k for per in sets for o in per for k in o))
    label_keys: list[str] = []
    for key in keys:
        per_variant = [{o.get(key) for o in per} for per in sets]
        if (
            all(len(vals) == 1 for vals in per_variant if vals)
            and len({next(iter(vals)) for vals in per_variant if vals}) > 1
        ):
            label_keys.append(key)
    for variant, per in zip(variants, sets, strict=True):
        if len(variants) == 1:
            first = per[0] if per else {}
            parts = [f"{k}={v}" for k, v in first.items() if k != "sweep" and all(o.get(k) == v for o in per)]
        else:
            first = per[0] if per else {}
            parts = [f"{k}={first[k]}" for k in label_keys if first.get(k) is not None]
        variant.label = ",".join(parts) or DEFAULT_LABEL
    # Variants that the overrides do not tell apart get the config keys that differ among them.
    by_label: OrderedDict[str, list[Variant]] = OrderedDict()
    for variant in variants:
        by_label.setdefault(variant.label, []).append(variant)
    for label, group in by_label.items():
        if len(group) < 2:
            continue
        configs = [variant_config(v.representative, ignore) if v.representative else {} for v in group]
        diff_keys = sorted(
            k for k in set().union(*configs) if len({json.dumps(c.get(k), default=str) for c in configs}) > 1
        )
        for i, (variant, cfg) in enumerate(zip(group, configs, strict=True)):
            extra = ",".join(f"{k}={cfg.get(k)}" for k in diff_keys[:3]) or f"#{i + 1}"
            variant.label = extra if label == DEFAULT_LABEL else f"{label},{extra}"
    # Labels are table keys: make the last few collisions (if any) unique by position.
    seen: dict[str, int] = {}
    for variant in variants:
        n = seen.get(variant.label, 0)
        seen[variant.label] = n + 1
        if n:
            variant.label = f"{variant.label} #{n + 1}"


def _filtered(overrides: dict[str, str], ignore: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in overrides.items() if not _is_output_only(k, ignore)}


# ---------------------------------------------------------------------------------------------------
# Baseline


def parse_baseline(items: list[str] | None) -> dict[str, str]:
    """``["head=default", "optimizer.lr=0.001"]`` -> dict; raises BaselineError on a malformed item."""
    spec: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BaselineError(f"--baseline {item!r}: expected key=value, e.g. head=default")
        spec[key.strip()] = value.strip()
    return spec


def declared_baseline(runs: list[RunRecord]) -> tuple[dict[str, Any], list[str]]:
    """The union of ``ablation.baseline`` over the runs, and a note for each conflicting key."""
    spec: dict[str, Any] = {}
    notes: list[str] = []
    for rec in runs:
        ablation = (rec.config or {}).get("ablation") or rec.info.get("ablation") or {}
        declared = ablation.get("baseline") if isinstance(ablation, dict) else None
        if not isinstance(declared, dict):
            continue
        for k, v in declared.items():
            if k in spec and _norm(spec[k]) != _norm(v):
                note = f"conflicting baseline declarations for {k}: {spec[k]} and {v} (kept {spec[k]})"
                if note not in notes:
                    notes.append(note)
                continue
            spec.setdefault(str(k), v)
    return spec, notes


def _norm(value: Any) -> Any:
    """Compare config values, overrides and CLI text alike: 1e-3 == 0.001, True == 'true'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text.lower() in {"true", "false", "null", "none"}:
        return {"none": "null"}.get(text.lower(), text.lower())
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def matches_baseline(
    variant: Variant, spec: dict[str, Any], ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS
) -> bool:
    """True when every key of ``spec`` matches the variant's choices, overrides or config value."""
    rep = variant.representative
    if rep is not None:
        overrides = overrides_dict(rep.overrides)
        sources: list[dict[str, Any]] = [rep.choices, overrides, variant_config(rep, ignore)]
    else:
        sources = [overrides_dict(variant.missing_jobs[0])] if variant.missing_jobs else []
    for key, wanted in spec.items():
        target = _norm(wanted)
        if not any(key in src and _norm(src[key]) == target for src in sources):
            return False
    return True


def format_spec(spec: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in spec.items())

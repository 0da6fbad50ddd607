"""The baseline: given on the command line or declared by the sweep (``ablation.baseline``), resolved
to exactly one variant."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .configkeys import OUTPUT_ONLY_KEYS, overrides_dict, variant_config
from .errors import BaselineError
from .records import LoadedRun
from .variant import Variant


def parse_baseline(items: list[str] | None) -> dict[str, str]:
    """``["head=default", "optimizer.lr=0.001"]`` -> dict; raises BaselineError on a malformed item."""
    spec: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BaselineError(f"--baseline {item!r}: expected key=value, e.g. head=default")
        spec[key.strip()] = value.strip()
    return spec


def declared_baseline(runs: list[LoadedRun]) -> tuple[dict[str, Any], list[str]]:
    """The union of ``ablation.baseline`` over the runs, and a note for each conflicting key."""
    spec: dict[str, Any] = {}
    notes: list[str] = []
    for rec in runs:
        declared = rec.ablation.get("baseline")
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


def matches_baseline(variant: Variant, spec: dict[str, Any], ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> bool:
    """True when every key of ``spec`` matches the variant's choices, overrides or config value."""
    rep = variant.representative
    if rep is not None:
        overrides = overrides_dict(rep.overrides)
        sources: list[dict[str, Any]] = [rep.choices, overrides, variant_config(rep.config, ignore)]
    else:
        sources = [overrides_dict(variant.missing_jobs[0])] if variant.missing_jobs else []
    for key, wanted in spec.items():
        target = _norm(wanted)
        if not any(key in src and _norm(src[key]) == target for src in sources):
            return False
    return True


def format_spec(spec: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in spec.items())


def resolve_baseline(
    given: Sequence[str] | None,
    runs: list[LoadedRun],
    variants: list[Variant],
    ignore: tuple[str, ...],
    problems: list[str],
) -> tuple[dict[str, Any], Variant | None]:
    """The baseline spec and the one variant it matches (marked ``is_baseline``), or None with a
    problem noted. A baseline given explicitly that matches no variant, or several, is an error."""
    if given:
        spec, explicit = parse_baseline(list(given)), True
    else:
        spec, notes = declared_baseline(runs)
        problems.extend(notes)
        explicit = False
    if not spec:
        problems.append("no baseline declared (ablation.baseline) or given (--baseline key=value): no comparisons")
        return spec, None
    # Only variants with at least one run can be the baseline.
    matched = [v for v in variants if v.runs and matches_baseline(v, spec, ignore)]
    if len(matched) == 1:
        matched[0].is_baseline = True
        return spec, matched[0]
    if not matched:
        labels = ", ".join(v.label for v in variants)
        msg = f"baseline {format_spec(spec)} matches no variant (variants: {labels})"
    else:
        msg = (
            f"baseline {format_spec(spec)} matches {len(matched)} variants "
            f"({', '.join(v.label for v in matched)}); give more key=value pairs to narrow it"
        )
    if explicit:
        raise BaselineError(msg)
    problems.append(msg + ": no comparisons")
    return spec, None

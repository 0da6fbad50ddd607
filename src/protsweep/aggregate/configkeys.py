"""Config keys and overrides: parsing ``key=value`` items, flattening configs, the keys that never tell
variants apart (from the key policy, :mod:`protsweep.keypolicy`)."""

from __future__ import annotations

from typing import Any

from protsweep.keypolicy import OUTPUT_ONLY, REPLICATE, under
from protsweep.overrides import flatten, parse_override

__all__ = ["OUTPUT_ONLY_KEYS", "flatten", "is_output_only", "non_output_overrides", "overrides_dict",
           "parse_override", "variant_config"]

#: Keys that never distinguish variants: the key policy's output-only and replicate keys.
OUTPUT_ONLY_KEYS: tuple[str, ...] = (*OUTPUT_ONLY, *REPLICATE)


def overrides_dict(overrides: list[str]) -> dict[str, str]:
    return dict(parse_override(o) for o in overrides)


def is_output_only(key: str, ignore: tuple[str, ...]) -> bool:
    return under(key, ignore)


def variant_config(config: dict[str, Any] | None, ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> dict[str, Any]:
    """A run's flattened config without output-only keys."""
    return {k: v for k, v in flatten(config or {}).items() if not is_output_only(k, ignore)}


def non_output_overrides(overrides: list[str], ignore: tuple[str, ...] = OUTPUT_ONLY_KEYS) -> list[str]:
    return [o for o in overrides if not is_output_only(parse_override(o)[0], ignore)]


def filtered(overrides: dict[str, str], ignore: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in overrides.items() if not is_output_only(k, ignore)}

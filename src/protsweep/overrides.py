"""Hydra override text and nested configs as dotted keys: shared by the launch checks and the aggregator."""

from __future__ import annotations

from typing import Any


def parse_override(text: str) -> tuple[str, str]:
    """``"+head=two_layer"`` -> ``("head", "two_layer")``; a bare ``"~key"`` gives an empty value."""
    key, _, value = str(text).partition("=")
    return key.lstrip("+~"), value


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

"""The fingerprint of the config that produced a job's result, kept in ``run.json``.

A relaunch into an existing job folder compares its config with the recorded one; the output-only keys of
the key policy (:mod:`protsweep.keypolicy`) are left out, everything else (the seed included) counts.
The aggregator uses the same digest to keep runs of two configurations out of one variant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError
from protsweep.keypolicy import KeyKind, at_added_default, key_kind, without
from protsweep.record.contract import FINGERPRINT_KEY

#: run.json key holding ``{"sha256": ..., "config": {dotted key: value}}`` (the run-record contract's)
RUN_JSON_KEY = FINGERPRINT_KEY

def _flatten(node: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(node, Mapping) and node:
        for key, value in node.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(node, list) and node:
        for i, value in enumerate(node):
            _flatten(value, f"{prefix}[{i}]", out)
    else:
        out[prefix] = node


def fingerprint_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved job config as ``{dotted key: JSON value}``, less the output-only keys."""
    raw = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True, throw_on_missing=False)
    flat: dict[str, Any] = {}
    _flatten(raw, "", flat)
    kept = {k: v for k, v in sorted(flat.items())
            if key_kind(k) is not KeyKind.OUTPUT_ONLY and not at_added_default(k, v)}
    return {k: json.loads(json.dumps(v, default=str)) for k, v in kept.items()}


def digest(flat: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(flat), sort_keys=True, default=str).encode()).hexdigest()


def fingerprint_record(cfg: DictConfig) -> dict[str, Any]:
    """What run.json keeps under :data:`RUN_JSON_KEY`."""
    flat = fingerprint_config(cfg)
    return {"sha256": digest(flat), "config": flat}


def differing_keys(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Keys whose values differ, or that only one side has, sorted."""
    keys = set(recorded) | set(current)
    missing = object()
    return sorted(k for k in keys if recorded.get(k, missing) != current.get(k, missing))


def describe_change(recorded: Mapping[str, Any], current: Mapping[str, Any], limit: int = 6) -> str:
    """``trainer.lr_full: 0.0001 -> 0.001, ...`` for the first ``limit`` differing keys."""
    missing = "(absent)"
    parts = [
        f"{k}: {recorded.get(k, missing)} -> {current.get(k, missing)}" for k in differing_keys(recorded, current)
    ]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def result_config(recorded: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A recorded fingerprint's config under today's key policy (a record written before a key became
    output-only still holds it), or None when the record has no config."""
    config = recorded.get("config") if isinstance(recorded, Mapping) else None
    return without(config, KeyKind.OUTPUT_ONLY) if isinstance(config, Mapping) else None


def same_config(recorded: Mapping[str, Any] | None, current: Mapping[str, Any]) -> bool:
    """Whether a recorded fingerprint is of the config of ``current`` (a :func:`fingerprint_record`)."""
    if not isinstance(recorded, Mapping):
        return False
    if recorded.get("sha256") == current["sha256"]:
        return True
    old = result_config(recorded)
    return old is not None and digest(old) == current["sha256"]


def check_relaunch(job: str, recorded: Mapping[str, Any] | None, cfg: DictConfig) -> dict[str, Any]:
    """The job's fingerprint record; raises when ``recorded`` (run.json's, if any) is of another config."""
    current = fingerprint_record(cfg)
    if not recorded or same_config(recorded, current):
        return current
    old = result_config(recorded)
    change = describe_change(old, current["config"]) if isinstance(old, Mapping) else "unknown keys"
    raise ConfigError(
        f"{job}: its earlier run used another config ({change}); nothing was rewritten. "
        "Launch into a new sweep folder, or add overwrite=true to rerun it (the earlier record is kept aside)"
    )

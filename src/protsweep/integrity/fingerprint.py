"""The fingerprint of the config that produced a job's result, kept in ``run.json``.

A relaunch into an existing job folder compares its config with the recorded one; keys that only decide
where or how output is shown (``OUTPUT_ONLY``) are left out, everything else (the seed included) counts.
The aggregator uses the same digest to keep runs of two configurations out of one variant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError

#: run.json key holding ``{"sha256": ..., "config": {dotted key: value}}``
RUN_JSON_KEY = "fingerprint"

#: Dotted keys (and everything under them) that never change what a job computes.
OUTPUT_ONLY: tuple[str, ...] = (
    "hydra",
    "overwrite",
    "progress",
    "logger",
    "resources",
    "paths.cache_dir",
    "reference",
    "ablation",
    "reuse",
    "tune",  # which metric a sweeper reads and where a tuned value came from; each seed job has its seed
    "trainer.resume",
    "embedder.progress",
    "embedder.cache_dir",
    "trainer.feature_cache_memory_mb",  # where cached features live (memory or disk), not their values
    "trainer.release_memory",  # when freed memory goes back to the OS
)


#: Keys added after fingerprints were first recorded, with their defaults: left out while at the default, so
#: the runs recorded before them keep their fingerprints (relaunch check, reuse).
ADDED_LATER: dict[str, Any] = {
    "trainer.init_variant": None,
    "trainer.init_seed": None,
    "trainer.init_backbone_only": False,
}


def _excluded(key: str) -> bool:
    return any(key == out or key.startswith(out + ".") for out in OUTPUT_ONLY)


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
    return {
        k: json.loads(json.dumps(v, default=str))
        for k, v in sorted(flat.items())
        if not _excluded(k) and not (k in ADDED_LATER and v == ADDED_LATER[k])
    }


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


def check_relaunch(job: str, recorded: Mapping[str, Any] | None, cfg: DictConfig) -> dict[str, Any]:
    """The job's fingerprint record; raises when ``recorded`` (run.json's, if any) is of another config."""
    current = fingerprint_record(cfg)
    if not recorded or recorded.get("sha256") == current["sha256"]:
        return current
    old = recorded.get("config")
    change = describe_change(old, current["config"]) if isinstance(old, Mapping) else "unknown keys"
    raise ConfigError(
        f"{job}: its earlier run used another config ({change}); nothing was rewritten. "
        "Launch into a new sweep folder, or add overwrite=true to rerun it (the earlier record is kept aside)"
    )

"""Where the numbers come from: a pretrained or random-init backbone, and which dataset.

Read from run.json (``pretrained``: ProteinBERT writes "loaded <path>" / "random ...", the Siamese
runner "loaded" / "random"; ``data.source``) and the run's config (``data.name``). Every table, plot
title and report states it; random-init results carry a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from protsweep.launch.base import BASE_GROUP
from protsweep.launch.reuse import REUSED_FROM

from .result import PRETRAINED, RANDOM_INIT, UNKNOWN, Provenance

__all__ = ["PRETRAINED", "RANDOM_INIT", "UNKNOWN", "Provenance", "backbone_init", "collect_provenance"]


def backbone_init(value: Any) -> str:
    """run.json's ``pretrained`` entry as PRETRAINED, RANDOM_INIT or UNKNOWN."""
    if isinstance(value, bool):
        return PRETRAINED if value else RANDOM_INIT
    text = str(value or "").strip().lower()
    if text.startswith(("random", "false", "none")):
        return RANDOM_INIT
    if text.startswith(("loaded", "pretrained", "true")):
        return PRETRAINED
    return UNKNOWN


def collect_provenance(infos: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> Provenance:
    """From (run.json, config) pairs of the counted runs."""
    inits: set[str] = set()
    datasets: set[str] = set()
    sources: set[str] = set()
    bases: set[str] = set()
    n_reused = 0
    versions: dict[str, set[str]] = {}
    weights: set[str] = set()
    for info, config in infos:
        for package, version in (info.get("versions") or {}).items():
            versions.setdefault(str(package), set()).add("not installed" if version is None else str(version))
        base = (info.get("choices") or {}).get(BASE_GROUP)
        if base not in (None, "", "None", "null"):
            bases.add(str(base))
        n_reused += bool(info.get(REUSED_FROM))
        inits.add(backbone_init(info.get("pretrained")))
        loaded = str(info.get("pretrained") or "")
        if loaded.lower().startswith("loaded ") and loaded[7:].strip():
            weights.add(PurePath(loaded[7:].strip()).name)  # the file's name only, never its path
        name = (config.get("data") or {}).get("name")
        if name:
            datasets.add(str(name))
        source = (info.get("data") or {}).get("source")
        if source:
            sources.add(str(source))
    return Provenance(
        tuple(sorted(inits)), tuple(sorted(datasets)), tuple(sorted(sources)), tuple(sorted(bases)), n_reused,
        tuple(sorted(weights)), tuple((p, " / ".join(sorted(v))) for p, v in sorted(versions.items())),
    )

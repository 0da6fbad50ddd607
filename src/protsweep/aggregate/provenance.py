"""Where the numbers come from: a pretrained or random-init backbone, and which dataset.

Read from run.json (``pretrained``: ProteinBERT writes "loaded <path>" / "random ...", the Siamese
runner "loaded" / "random"; ``data.source``) and the run's config (``data.name``). Every table, plot
title and report states it; random-init results carry a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
    for info, config in infos:
        inits.add(backbone_init(info.get("pretrained")))
        name = (config.get("data") or {}).get("name")
        if name:
            datasets.add(str(name))
        source = (info.get("data") or {}).get("source")
        if source:
            sources.add(str(source))
    return Provenance(tuple(sorted(inits)), tuple(sorted(datasets)), tuple(sorted(sources)))

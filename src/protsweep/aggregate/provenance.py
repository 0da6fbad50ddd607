"""Where the numbers come from: a pretrained or random-init backbone, and which dataset.

Read from run.json (``pretrained``: ProteinBERT writes "loaded <path>" / "random ...", the Siamese
runner "loaded" / "random"; ``data.source``) and the run's config (``data.name``). Every table, plot
title and report states it; random-init results carry a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PRETRAINED = "pretrained"
RANDOM_INIT = "random-init"
UNKNOWN = "backbone init not recorded"


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


@dataclass(frozen=True)
class Provenance:
    inits: tuple[str, ...]  # distinct backbone inits over the runs, sorted
    datasets: tuple[str, ...]  # distinct data.name values
    sources: tuple[str, ...]  # distinct run.json data.source values

    @property
    def random_init(self) -> bool:
        return RANDOM_INIT in self.inits

    def line(self) -> str:
        """One line for a table caption or plot title, e.g. ``pretrained backbone · data: hemolysis``."""
        init = " + ".join(self.inits) if self.inits else UNKNOWN
        data = ", ".join(self.datasets) or "unknown dataset"
        src = f" ({', '.join(self.sources)})" if self.sources and self.sources != self.datasets else ""
        return f"{init} backbone · data: {data}{src}"

    def warning(self) -> str | None:
        if not self.random_init:
            return None
        return (
            "RANDOM-INIT backbone: these results do not reflect a pretrained model "
            "(no pretrained weights were loaded); do not compare them with pretrained references"
        )


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

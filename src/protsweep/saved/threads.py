"""How many CPU threads ``protsweep-predict`` gives torch / TensorFlow: ``--threads`` when given, else what the
saved run ran with (its model card's config, at the family's :attr:`~protsweep.family.Family.thread_keys`), else
the framework's default (one per core). A key set to ``auto`` or null records no number: the next one is read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def recorded_threads(config: Mapping[str, Any], keys: Sequence[str]) -> int | None:
    """The first positive integer at one of the dotted ``keys`` of ``config``; None when none holds one."""
    for key in keys:
        value: Any = config
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return None


def predict_threads(given: int | None, cards: Mapping[int, Mapping[str, Any]], keys: Sequence[str]) -> int | None:
    """``given`` (``--threads``), else the fewest threads any of the ensemble's runs recorded, else None."""
    if given is not None:
        return given
    recorded = [t for card in cards.values() if (t := recorded_threads(card.get("config") or {}, keys)) is not None]
    return min(recorded) if recorded else None

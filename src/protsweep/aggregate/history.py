"""Per-epoch training histories (history.csv) of the counted runs, per variant, for the training-curve plot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from protsweep.record.contract import HISTORY_CSV

from .selection import Chosen
from .variant import Variant

LOSS_KIND = "loss_kind"  # the run's loss option (run.json choices.loss): losses of two kinds never share an axis
LOSS_GROUP = "loss"


def read_history(run_dir: Path, seed: int, loss_kind: str = "") -> pd.DataFrame | None:
    """history.csv with ``seed``, ``step`` (the epoch's position over all stages) and ``loss_kind`` added;
    None if absent or unreadable (the plot then leaves that seed out)."""
    path = Path(run_dir) / HISTORY_CSV
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError):
        return None
    if frame.empty:
        return None
    return frame.assign(seed=seed, step=range(1, len(frame) + 1), **{LOSS_KIND: loss_kind})


def training_curves(variants: list[Variant], chosen: Chosen) -> dict[str, pd.DataFrame]:
    """label -> the histories of the variant's counted seeds, stacked (variants without any are left out)."""
    out: dict[str, pd.DataFrame] = {}
    for v in variants:
        parts = [
            h
            for s, rec in sorted(chosen.get(v.key, {}).items())
            if (h := read_history(rec.path, s, str((rec.info.get("choices") or {}).get(LOSS_GROUP) or ""))) is not None
        ]
        if parts:
            out[v.label] = pd.concat(parts, ignore_index=True)
    return out

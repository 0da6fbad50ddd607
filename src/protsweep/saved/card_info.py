"""What a model card says about the run behind it, beside what rebuilds the model (:mod:`.card`): the run's
validation and test metrics, the pretrained/random flag, package versions and git commit, the parent run of a
warm start, and the working directory, every path relative (to the run folder), so a run folder can be moved or
shared. Read from the run's own ``run.json`` and ``metrics.json`` when the model is saved.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from protsweep.record.contract import METRICS_JSON, PREDICTION_SPLITS
from protsweep.record.state import RunState

#: the card keys this module writes
INFO_KEYS = ("metrics", "pretrained", "versions", "git_sha", "parent", "cwd")


def relative_to_run(path: str | os.PathLike[str], run_dir: Path) -> str:
    """``path`` relative to the run folder (an absolute path on another drive stays as it is)."""
    try:
        return os.path.relpath(Path(path).resolve(), Path(run_dir).resolve())
    except ValueError:
        return str(path)


def relative_settings(settings: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """A family's settings with every absolute ``*_dir`` path made relative to the run folder (readers join it
    to the run folder: an old card's absolute path still reads the same)."""
    return {
        key: relative_to_run(value, run_dir) if key.endswith("_dir") and isinstance(value, str)
        and os.path.isabs(value) else value
        for key, value in settings.items()
    }


def card_info(run_dir: Path) -> dict[str, Any]:
    """The card's run keys (:data:`INFO_KEYS`) from ``run.json`` and ``metrics.json``."""
    run_dir = Path(run_dir)
    info = RunState.read(run_dir).info
    metrics = json.loads((run_dir / METRICS_JSON).read_text())
    parent = info.get("parent")
    return {
        "metrics": {split: metrics.get(split) for split in PREDICTION_SPLITS},
        "pretrained": info.get("pretrained"),
        "versions": info.get("versions"),
        "git_sha": info.get("git_sha"),
        "parent": None if not parent else {**parent, "run_dir": relative_to_run(parent["run_dir"], run_dir)},
        "cwd": relative_to_run(os.getcwd(), run_dir),  # relative paths of the config are relative to it
    }

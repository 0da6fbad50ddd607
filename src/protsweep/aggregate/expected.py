"""What a sweep was meant to run: the sweep directory of a run, and every job of Hydra's multirun.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from protsweep.sweepjobs import MULTIRUN_YAML, saved_sweep_jobs

__all__ = ["MULTIRUN_YAML", "expected_jobs", "find_sweep_dir", "read_yaml"]
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)  # a safe loader


def find_sweep_dir(run_dir: Path, max_up: int = 3) -> Path | None:
    """The nearest ancestor holding Hydra's multirun.yaml."""
    current = run_dir.parent
    for _ in range(max_up):
        if (current / MULTIRUN_YAML).is_file():
            return current
        if current.parent == current:
            break
        current = current.parent
    return None


def expected_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The override list of every job the sweep launches, or None if it cannot be worked out: the launch's
    own expansion (:func:`protsweep.sweepjobs.sweep_jobs`, ``glob()`` included) of the saved multirun.yaml."""
    try:
        jobs = saved_sweep_jobs(read_yaml(sweep_dir / MULTIRUN_YAML) or {})
    except (OSError, yaml.YAMLError, AttributeError):  # unreadable multirun.yaml: expectations unknown
        return None
    return None if jobs is None else [list(job) for job in jobs]

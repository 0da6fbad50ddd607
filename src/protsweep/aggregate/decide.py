"""The command that would decide an undecided route: relaunch its sweep with more seeds into the same sweep
folder (completed jobs are skipped), or, when the test set alone hides the margin, with K-fold
cross-validation (every example then tests the verdict once)."""

from __future__ import annotations

import math
import shlex
from pathlib import Path

from protsweep.keypolicy import FOLD_KEY as CV_FOLD_KEY
from protsweep.keypolicy import SEED_KEY

from .expected import MULTIRUN_YAML, read_yaml
from .records import display_path
from .strata import FOLDS_KEY as CV_FOLDS_KEY

SUGGESTED_FOLDS = 5


def _sweep_overrides(sweep_dir: Path) -> list[str] | None:
    """The sweep's own overrides as Hydra recorded them (sweeper params, then the task overrides)."""
    path = sweep_dir / MULTIRUN_YAML
    if not path.is_file():
        return None
    try:
        hydra_cfg = (read_yaml(path) or {}).get("hydra") or {}
    except Exception:  # an unreadable multirun.yaml: no command can be rebuilt from it
        return None
    params = (hydra_cfg.get("sweeper") or {}).get("params") or {}
    task = (hydra_cfg.get("overrides") or {}).get("task") or []
    return [f"{k}={v}" for k, v in params.items()] + [str(t) for t in task]


def _replace(overrides: list[str], key: str, value: str) -> list[str]:
    kept = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != key]
    return [*kept, f"{key}={value}"]


def _command(overrides: list[str]) -> str:
    return "protsweep -m " + " ".join(shlex.quote(o) for o in overrides)


def more_seeds_command(sweep_dir: Path, seeds: float) -> str | None:
    """``protsweep -m <the sweep's overrides> seed='range(N)' hydra.sweep.dir=<the same folder>``."""
    overrides = _sweep_overrides(sweep_dir)
    if overrides is None or not math.isfinite(seeds):
        return None
    args = _replace(overrides, SEED_KEY, f"range({int(seeds)})")
    return _command(_replace(args, "hydra.sweep.dir", display_path(sweep_dir)))


def folds_command(sweep_dir: Path, seeds: int) -> str | None:
    """The same sweep with K-fold cross-validation (a new sweep folder: every job's data differ)."""
    overrides = _sweep_overrides(sweep_dir)
    if overrides is None or any(o.split("=", 1)[0] == CV_FOLDS_KEY for o in overrides):
        return None
    args = _replace(overrides, SEED_KEY, f"range({seeds})")
    args = _replace(args, CV_FOLDS_KEY, str(SUGGESTED_FOLDS))
    return _command(_replace(args, CV_FOLD_KEY, f"range({SUGGESTED_FOLDS})"))

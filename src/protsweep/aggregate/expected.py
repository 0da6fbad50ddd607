"""What a sweep was meant to run: the sweep directory of a run, and every job of Hydra's multirun.yaml."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

MULTIRUN_YAML = "multirun.yaml"
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
    """The override list of every job the sweep launches, or None if it cannot be worked out.

    Mirrors Hydra's BasicSweeper: ``hydra.sweeper.params`` then the task overrides, later keys
    replacing earlier ones in place, and the cartesian product of the sweep values.
    """
    try:
        data = read_yaml(sweep_dir / MULTIRUN_YAML) or {}
        hydra_cfg = data.get("hydra") or {}
        params = (hydra_cfg.get("sweeper") or {}).get("params") or {}
        task = (hydra_cfg.get("overrides") or {}).get("task") or []
        args = [f"{k}={v}" for k, v in params.items()] + [str(t) for t in task]  # as Hydra does
        parsed = OverridesParser.create().parse_overrides(args)
        per_key: OrderedDict[str, list[str]] = OrderedDict()
        for override in parsed:
            key = override.get_key_element()
            if override.is_sweep_override():
                if not override.is_discrete_sweep():
                    return None
                per_key[key] = [f"{key}={v}" for v in override.sweep_string_iterator()]
            else:
                per_key[key] = [f"{key}={override.get_value_element_as_str()}"]
    except Exception:  # any unreadable or unparsable multirun.yaml: expectations are simply unknown
        return None
    jobs: list[list[str]] = [[]]
    for values in per_key.values():
        jobs = [[*job, v] for job in jobs for v in values]
    return jobs

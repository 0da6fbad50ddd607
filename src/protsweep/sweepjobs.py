"""The jobs a sweep launches: the one expansion of ``hydra.sweeper.params`` and the task overrides, used by the
live monitor (from the composed config) and by the aggregator (from a sweep folder's multirun.yaml).

Hydra's own ``BasicSweeper.split_arguments`` expands them (params first, later keys replacing earlier ones,
the cartesian product of sweep values); a config loader over the project's ``conf/`` lets the parser expand
``glob()`` over a group's options (``sweep=routes``: ``variant=glob(*)``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from protsweep.keypolicy import override_key
from protsweep.schema import config_dir

MULTIRUN_YAML = "multirun.yaml"  # Hydra's master config of a sweep, saved in the sweep folder before any job
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
Overrides = tuple[str, ...]


def sweep_jobs(params: Mapping[str, Any] | None, task: Sequence[str]) -> list[Overrides] | None:
    """The override list of every job, or None when the overrides cannot be parsed or expanded."""
    args = [f"{key}={value}" for key, value in (params or {}).items()] + [str(t) for t in task]
    loader = ConfigLoaderImpl(config_search_path=create_config_search_path(str(config_dir())))
    try:
        parser = OverridesParser.create(config_loader=loader)
        jobs = BasicSweeper.split_arguments(parser.parse_overrides(args), None)[0]
    except (HydraException, ValueError, TypeError):
        return None
    return [tuple(job) for job in jobs]


def saved_sweep_jobs(saved: Mapping[str, Any]) -> list[Overrides] | None:
    """The jobs of a sweep from its saved master config (a loaded multirun.yaml): ``hydra.sweeper.params``
    (sweep files) and ``hydra.overrides.task`` (the command line), expanded as the sweep expanded them."""
    hydra_cfg = saved.get("hydra") or {}
    params = (hydra_cfg.get("sweeper") or {}).get("params") or {}
    task = (hydra_cfg.get("overrides") or {}).get("task") or []
    return sweep_jobs(params, [str(t) for t in task])


def varied_keys(jobs: Iterable[Sequence[str]]) -> set[str]:
    """The keys whose value differs between ``jobs`` (or that some jobs set and others do not): what a
    sweep varies, wherever it was swept (a sweep file or the command line)."""
    values: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    n_jobs = 0
    for job in jobs:
        n_jobs += 1
        for line in job:
            values[override_key(line)].add(str(line).partition("=")[2])
            counts[override_key(line)] += 1
    return {key for key, seen in values.items() if len(seen) > 1 or counts[key] != n_jobs}

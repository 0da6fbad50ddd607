"""The jobs a sweep launches: the one expansion of ``hydra.sweeper.params`` and the task overrides, used by the
live monitor (from the composed config) and by the aggregator (from a sweep folder's multirun.yaml).

Hydra's own ``BasicSweeper.split_arguments`` expands them (params first, later keys replacing earlier ones,
the cartesian product of sweep values); a config loader over the project's ``conf/`` lets the parser expand
``glob()`` over a group's options (``sweep=routes``: ``variant=glob(*)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from protsweep.schema import config_dir

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

"""Every schema, stored in Hydra's ``ConfigStore``: the shared groups' (:mod:`protsweep.schema`, data,
calibration, logger and resources) and each registered family's (its :class:`protsweep.family.Family` record:
root, model and trainer schemas, and the schemas derived from its option files' ``_target_``s).

A family outside ``src/protsweep`` may bring its own option files (``Family.conf_dir``): they join Hydra's
config search path through :class:`FamilySearchPath`, a search-path plugin registered here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.config_store import ConfigStore
from hydra.core.plugins import Plugins
from hydra.plugins.search_path_plugin import SearchPathPlugin

from protsweep.calibration.config import SCHEMAS as CALIBRATION_SCHEMAS
from protsweep.data.config import SCHEMAS as DATA_SCHEMAS
from protsweep.family import families
from protsweep.launch.schema import SCHEMAS as LAUNCH_SCHEMAS
from protsweep.schema import SCHEMAS as SHARED_SCHEMAS
from protsweep.schema import config_dir
from protsweep.targets import family_option_schemas


def all_schemas(conf_dir: Path) -> dict[tuple[str | None, str], Any]:
    """Every schema of every family, including those derived from the option files' ``_target_``s."""
    schemas = {**SHARED_SCHEMAS, **DATA_SCHEMAS, **CALIBRATION_SCHEMAS, **LAUNCH_SCHEMAS}
    for record in families().values():
        schemas |= record.schemas
    return {**schemas, **family_option_schemas(conf_dir)}


class FamilySearchPath(SearchPathPlugin):
    """Adds each registered family's own option folder (``Family.conf_dir``) to Hydra's search path."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        for record in families().values():
            if record.conf_dir is not None:
                search_path.append(f"protsweep-family-{record.name}", f"file://{Path(record.conf_dir).resolve()}")


def register_schemas(conf_dir: Path | None = None) -> None:
    store = ConfigStore.instance()
    for (group, name), node in all_schemas(conf_dir or config_dir()).items():
        store.store(group=group, name=name, node=node)
    Plugins.instance().register(FamilySearchPath)

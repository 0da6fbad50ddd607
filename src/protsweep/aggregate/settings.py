"""Report settings in one syntax: the config's ``report.*`` keys (``schema.ReportConfig``), given as Hydra-style
``report.KEY=VALUE`` items. A sweep's end-of-sweep aggregation reads them from its config; ``protsweep-report``
and ``protsweep-aggregate`` take the same items on their command line (``protsweep-report DIR
report.margin_auc=0.02``). Unknown keys and values of the wrong type are one line each, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from protsweep.schema import ReportConfig

from .errors import AggregateError

REPORT_KEY = "report"  # the config's report node
_ITEM = re.compile(r"^\+?report\.([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def is_setting(item: str) -> bool:
    """``report.margin_auc=0.02`` (a setting), as opposed to a directory argument."""
    return bool(_ITEM.match(item))


def report_settings(items: Iterable[str] = (), base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``ReportConfig``'s values: its defaults, then ``base`` (e.g. a sweep config's ``report`` node), then the
    ``report.KEY=VALUE`` items; checked against the schema (closed keys, typed values)."""
    node = OmegaConf.structured(ReportConfig)
    try:
        if base:
            node.merge_with(dict(base))
        for item in items:
            found = _ITEM.match(item)
            if found is None:
                raise AggregateError(f"{item}: not a report setting (report.KEY=VALUE)")
            key, text = found.groups()
            if key not in node:
                known = ", ".join(f"report.{k}" for k in node)
                raise AggregateError(f"{item}: no such report setting (known: {known})")
            node[key] = yaml.safe_load(text) if text else text
    except (OmegaConfBaseException, yaml.YAMLError) as err:
        raise AggregateError(f"bad report setting: {str(err).splitlines()[0]}") from None
    return OmegaConf.to_container(node)  # type: ignore[return-value]

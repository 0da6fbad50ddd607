"""``base=<variant>``: run a sweep on top of an earlier winner, e.g. ``sweep=label_smoothing base=two_layer_head``.

The ``base`` group's options are the ``variant`` group's files (conf/base is a link to conf/variant): each is a
``# @package _global_`` file that changes one choice of the default configuration. Applied to every job, the
base makes the sweep's baseline arm that variant, so the comparison stays single-variable.

A base is only meaningful when no job of the sweep sets what the base sets: ``sweep=head base=two_layer_head``
would undo the base in one arm. :func:`check_base` refuses such a command before any job runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from protsweep.errors import ConfigError
from protsweep.overrides import flatten, parse_override

BASE_GROUP = "base"
GLOBAL_PACKAGE = "# @package _global_"
#: Overrides that select what runs, not what a job computes: never in conflict with a base.
NEUTRAL_KEYS = ("sweep", BASE_GROUP, "seed")


def option_file(conf_dir: Path, group: str, option: str) -> Path | None:
    path = conf_dir / group / f"{option}.yaml"
    return path if path.is_file() else None


def file_keys(path: Path) -> set[str]:
    """The keys a ``# @package _global_`` option file sets: the groups its defaults override (``head``) and
    its dotted content keys (``loss.label_smoothing``)."""
    loaded: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        return set()
    keys: set[str] = set()
    for entry in loaded.get("defaults") or []:
        if isinstance(entry, dict):
            for name in entry:
                keys.add(str(name).removeprefix("override").strip().lstrip("/"))
    keys.update(flatten({k: v for k, v in loaded.items() if k != "defaults"}))
    return keys


def global_option(conf_dir: Path, override: str) -> Path | None:
    """The option file ``key=value`` selects when it is a ``# @package _global_`` file (``variant=focal``)."""
    key, value = parse_override(override)
    path = option_file(conf_dir, key, value)
    if path is not None and path.read_text(encoding="utf-8").lstrip().startswith(GLOBAL_PACKAGE):
        return path
    return None


def override_keys(conf_dir: Path, override: str) -> set[str]:
    """What one ``key=value`` override sets: for an option of a global-package group, the keys of that option's
    file; else the key itself (a group name such as ``head``, or a dotted key)."""
    path = global_option(conf_dir, override)
    return file_keys(path) if path is not None else {parse_override(override)[0]}


def base_conflicts(conf_dir: Path, base: str, jobs: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """(key, job override) pairs where a job sets a key the base sets, each pair once."""
    path = option_file(conf_dir, BASE_GROUP, base)
    if path is None:
        return []  # Hydra has refused an unknown option before this runs
    base_keys = file_keys(path)
    found: list[tuple[str, str]] = []
    for job in jobs:
        for override in job:
            if parse_override(override)[0] in NEUTRAL_KEYS:
                continue
            for key in sorted(override_keys(conf_dir, override) & base_keys):
                if (key, override) not in found:
                    found.append((key, override))
    return found


def check_base(conf_dir: Path, base: str | None, jobs: Iterable[Sequence[str]]) -> None:
    """Raise a one-line :class:`ConfigError` when a job would undo ``base``."""
    if not base:
        return
    conflicts = base_conflicts(conf_dir, base, jobs)
    if not conflicts:
        return
    key, override = conflicts[0]
    more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
    name, value = parse_override(override)
    hint = (
        f"leave that arm out, e.g. '{name}=glob(*,exclude={value})'"
        if global_option(conf_dir, override) is not None
        else f"drop {name} from the sweep"
    )
    raise ConfigError(
        f"base={base} sets {key}, which the job '{override}' also sets{more}: that arm would not be on top of the "
        f"base. Choose a base the sweep does not vary, or {hint}"
    )

"""The model families: one :class:`Family` record per family, found through one small registry.

A family declares itself in its own ``<package>/family.py`` as a module-level ``FAMILY`` record, the way Hydra
plugins register their configs with ``ConfigStore``: nothing outside the family's package names it. The registry
finds the records in two places, both *data*:

* :data:`BUILTIN`: the dotted paths of the records shipped with protsweep;
* the entry-point group :data:`ENTRY_POINT_GROUP` (``protsweep.families``) of any installed distribution, e.g.
  ``[project.entry-points."protsweep.families"] toy = "toy_family.family:FAMILY"`` in its ``pyproject.toml``:
  a family that lives outside ``src/protsweep``.

This module imports no family (records are imported by name, on first use) and no framework.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from protsweep.errors import ConfigError

#: ``module:attribute`` of the families shipped with protsweep
BUILTIN: tuple[str, ...] = ("protsweep.proteinbert.family:FAMILY", "protsweep.siamese.family:FAMILY")
#: the entry-point group that installed distributions list their families in
ENTRY_POINT_GROUP = "protsweep.families"


def _no_planned_epochs(cfg: Any) -> dict[str, int]:
    return {}


def _no_checks(cfg: Any) -> None:
    """A family without combination checks."""


@dataclass(frozen=True)
class Family:
    """What the rest of protsweep knows about one model family.

    ``runner`` and ``predictor`` are dotted paths, imported only when a job of this family runs or a saved
    model of it predicts (they import the framework); everything else is framework-free."""

    name: str  #: ``model.family`` of its configs, ``family`` of its model cards, ``model_family`` in run.json
    runner: str  #: ``train_and_evaluate(cfg, run_dir, record)``: one job (:mod:`protsweep.job` records errors)
    predictor: str  #: ``cls(run_dir, card, cache_dir=None)`` with ``input_kind`` and ``predict_raw(inputs, advance)``
    example_model: str  #: the ``model=`` option of the family's smallest run (smoke tests, the demo)
    packages: tuple[str, ...] = ()  #: distributions whose versions run.json records; frameworks get the job's threads
    #: ``(group, name) -> schema`` stored in Hydra's ConfigStore: the family's root, model and trainer schemas
    schemas: Mapping[tuple[str | None, str], Any] = field(default_factory=dict)
    #: groups whose option files carry a ``_target_``: ``group -> base`` (schemas derived from the targets)
    target_groups: Mapping[str, type] = field(default_factory=dict)
    #: the ``loss`` spec types the family has a loss for (checked before a job starts)
    losses: tuple[type, ...] = ()
    #: the dotted path of the family's framework loss registry (spec type -> builder); its keys must be
    #: ``losses`` (a test checks it, importing the framework)
    loss_registry: str = ""
    #: combination checks made before data is read or a framework imported (one ``ConfigError`` line)
    check: Callable[[Any], None] = _no_checks
    #: ``export_h5(cfg, sequences, ids, path) -> report``: ``protsweep-embed --input ... --export h5`` for a family
    #: without an ``embedder`` group (its own backbone's representations); "" when the family has none
    embeddings_export: str = ""
    #: ``cfg -> {stage: planned epochs}``: the N of the progress lines' "epoch k/N" (empty: k alone)
    planned_epochs: Callable[[Any], Mapping[str, int]] = _no_planned_epochs
    #: a folder of option files (``model/``, ``family/``, ``trainer/``, ...) added to Hydra's search path; None
    #: for the built-in families, whose options live in protsweep's own ``conf/``
    conf_dir: Path | None = None
    #: config keys of a run (its model card's ``config``) that held the CPU threads its framework ran with, the
    #: first set one winning: ``protsweep-predict``'s default for ``--threads`` (:mod:`protsweep.saved.threads`)
    thread_keys: tuple[str, ...] = ()


def _load(spec: str) -> Family:
    module, _, attribute = spec.partition(":")
    found = getattr(import_module(module), attribute or "FAMILY")
    if not isinstance(found, Family):
        raise TypeError(f"{spec} is not a protsweep Family record")
    return found


@functools.cache
def families() -> dict[str, Family]:
    """Every registered family by name: the built-in ones, then those of installed distributions."""
    specs = [*BUILTIN, *(ep.value for ep in entry_points(group=ENTRY_POINT_GROUP))]
    found: dict[str, Family] = {}
    for spec in specs:
        record = _load(spec)
        if record.name in found and found[record.name] is not record:
            raise TypeError(f"two families are named {record.name!r} ({spec})")
        found[record.name] = record
    return found


def family(name: str) -> Family:
    """The family named ``name`` (``model.family``, a card's ``family``); one line when there is none."""
    known = families()
    if name not in known:
        raise ConfigError(f"model family {name!r} is not registered (known: {', '.join(sorted(known))})")
    return known[name]

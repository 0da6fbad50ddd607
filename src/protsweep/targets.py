"""Structured-config schemas derived from the ``_target_`` of each option file.

An option that becomes an object (``conf/head/two_layer.yaml``, ``conf/augment/blosum.yaml``, ...) names its
class or factory in ``_target_`` and writes only the values that differ from that callable's own defaults.
Its schema is built from the callable's signature: one field per keyword parameter that has a default, typed
by the parameter's annotation (an ``Enum`` annotation makes a closed choice checked at composition). Parameters
without a default are supplied at run time (``_partial_: true``) and are not config fields. So the defaults are
written once, in the code, and a misspelled key or a bad value fails when Hydra composes the config.

Targets must be importable without TensorFlow or torch (heavy imports stay inside the functions that build).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from hydra.utils import get_object

from protsweep.family import families
from protsweep.schema import config_dir

SCHEMA_SUFFIX = "_schema"
_SIMPLE = (bool, int, float, str)


def _field_type(annotation: Any) -> Any:
    """The annotation if OmegaConf can check it (primitives, Enums, their Optionals), else ``Any``."""
    if annotation in _SIMPLE or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return annotation
    args = typing.get_args(annotation)
    if type(None) in args and len(args) == 2:
        inner = next(a for a in args if a is not type(None))
        return annotation if _field_type(inner) is inner else Any
    return Any


def _field(param: inspect.Parameter, annotation: Any) -> tuple[str, Any, Any]:
    default = param.default
    if isinstance(default, list | dict | tuple):
        value = list(default) if isinstance(default, tuple) else default
        return param.name, Any, dataclasses.field(default_factory=lambda v=value: type(v)(v))
    return param.name, _field_type(annotation), dataclasses.field(default=default)


def builds(target: str, base: type, partial: bool = False, group: str = "") -> type:
    """A dataclass schema (subclass of ``base``) for ``target``: ``_target_`` fixed, one field per defaulted
    keyword parameter of the target. ``partial``: the target's required parameters come at run time.

    The class is published as an attribute of this module, so a composed config that holds it pickles (joblib
    and submitit send configs to other processes; there, :func:`__getattr__` rebuilds the schemas on demand)."""
    obj: Callable[..., Any] = get_object(target)
    function = obj.__init__ if inspect.isclass(obj) else obj
    hints = typing.get_type_hints(function)
    params = [p for p in inspect.signature(obj).parameters.values() if p.kind is not p.VAR_POSITIONAL]
    params = [p for p in params if p.kind is not p.VAR_KEYWORD]
    required = [p.name for p in params if p.default is p.empty]
    if required and not partial:
        raise TypeError(f"{target} needs {', '.join(required)} at run time: its option file must set _partial_: true")
    fields: list[tuple[str, Any, Any]] = [("_target_", str, dataclasses.field(default=target))]
    if partial:
        fields.append(("_partial_", bool, dataclasses.field(default=True)))
    fields += [_field(p, hints.get(p.name, Any)) for p in params if p.default is not p.empty]
    parts = [*group.split("_"), *target.rsplit(".", 1)[-1].split("_")]
    name = "".join(part[:1].upper() + part[1:] for part in parts if part) + "Config"
    schema = dataclasses.make_dataclass(name, fields, bases=(base,))
    schema.__module__, schema.__qualname__ = __name__, name
    globals()[name] = schema
    return schema


def __getattr__(name: str) -> Any:
    """A schema class by name, building every option schema first (an unpickling process has not yet)."""
    if not name.endswith("Config"):
        raise AttributeError(name)
    family_option_schemas(config_dir())
    if name in globals():
        return globals()[name]
    raise AttributeError(name)


def read_option(path: Path) -> Any:
    """An option file's YAML (``{}`` when empty), read by PyYAML's safe loader, in C where libyaml is built in (the
    same documents, ~20x faster: every option file is read when a saved model's card is checked)."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def option_schemas(conf_dir: Path, bases: dict[str, type]) -> dict[tuple[str, str], type]:
    """``(group, "<option>_schema") -> schema`` for every option file with a ``_target_`` in the groups of ``bases``."""
    schemas: dict[tuple[str, str], type] = {}
    for group, base in bases.items():
        for path in sorted((conf_dir / group).glob("*.yaml")):
            node = read_option(path)
            target = node.get("_target_")
            if target is None:
                continue
            schemas[(group, path.stem + SCHEMA_SUFFIX)] = builds(str(target), base, bool(node.get("_partial_")), group)
    return schemas


def family_option_schemas(conf_dir: Path) -> dict[tuple[str, str], type]:
    """The option schemas of every registered family's ``_target_`` groups (``Family.target_groups``), read
    from the family's own option folder when it has one, else from ``conf_dir``."""
    schemas: dict[tuple[str, str], type] = {}
    for record in families().values():
        schemas |= option_schemas(Path(record.conf_dir or conf_dir), dict(record.target_groups))
    return schemas

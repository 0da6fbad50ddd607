"""A package's public names loaded on first use (PEP 562): one ``__getattr__`` for every package that keeps its
heavy modules out of its own import (``protsweep.record``, ``protsweep.aggregate``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` comes from the submodule ``homes[name]`` on first use
    and is then kept in the package's namespace; any other name is an ``AttributeError``."""

    def load(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{homes[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return load

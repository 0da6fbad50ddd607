"""Command-line overrides that work whether or not conf/config.yaml lists a group in its defaults yet."""

from __future__ import annotations

import yaml

from protsweep.app import config_dir


def group(name: str, option: str) -> str:
    """``name=option`` when the primary config's defaults list the group, else ``+name=option`` (append it)."""
    defaults = yaml.safe_load((config_dir() / "config.yaml").read_text())["defaults"]
    listed = any(isinstance(entry, dict) and name in entry for entry in defaults)
    return f"{name}={option}" if listed else f"+{name}={option}"

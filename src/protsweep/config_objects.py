"""Config at the edge: a runner or builder turns a config node into its schema's dataclass, and hands that
plain object on (networks, trainers and losses never see a ``DictConfig``)."""

from __future__ import annotations

from typing import Any, TypeVar

from omegaconf import OmegaConf

Schema = TypeVar("Schema")


def as_object(schema: type[Schema], node: Any) -> Schema:
    """``node`` (a config node, a dict, or already a ``schema`` instance) as a ``schema`` instance: choices as
    enum members, absent keys at their defaults (an older saved config), values checked by the schema."""
    if isinstance(node, schema):
        return node
    built = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), node))
    assert isinstance(built, schema)
    return built

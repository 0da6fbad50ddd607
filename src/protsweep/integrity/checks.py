"""Config checks a job makes before any framework is imported, each failing with one line naming the key:
unknown keys (``+trainer.bach_size=8``), the seed's range, a sweep name that would leave the outputs root,
and the family's own combination checks (e.g. ``loss=contrastive`` with ProteinBERT); ``trainer.init_from``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError
from protsweep.family import families
from protsweep.saved.store import parent_run

#: Nodes whose keys are free-form by design (documented in the README): not checked for unknown keys.
FREE_FORM: tuple[str, ...] = ("data.source", "ablation.baseline")
SEED_MAX = 2**32 - 1
#: A sweep name is one folder under outputs/sweeps/: letters, digits, ``._-``, not starting with a dot.
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def _schema_fields(node: DictConfig) -> set[str] | None:
    kind = OmegaConf.get_type(node)
    if kind is None or not dataclasses.is_dataclass(kind):
        return None
    return {f.name for f in dataclasses.fields(kind)}


def unknown_keys(cfg: DictConfig, path: str = "") -> Iterator[str]:
    """Dotted keys present in ``cfg`` that its dataclass schemas do not declare."""
    if path in FREE_FORM:
        return
    fields = _schema_fields(cfg)
    for key in cfg:
        dotted = f"{path}.{key}" if path else str(key)
        if fields is not None and key not in fields:
            yield dotted
            continue
        child = cfg._get_node(key)
        if isinstance(child, DictConfig) and not child._is_none() and not child._is_missing():
            yield from unknown_keys(child, dotted)


def check_known_keys(cfg: DictConfig) -> None:
    unknown = list(unknown_keys(cfg))
    if unknown:
        raise ConfigError(
            f"unknown config key(s) {', '.join(unknown)}: no schema declares them (a typo? "
            "`protsweep --cfg job` shows the keys this config has)"
        )


def check_seed(cfg: DictConfig) -> None:
    seed = cfg.get("seed")
    if not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise ConfigError(f"seed={seed} is out of range: a seed is an integer from 0 to {SEED_MAX}")


def check_sweep_name(name: str) -> None:
    """``ablation.name`` names a folder under outputs/sweeps/: no ``/``, no ``..``, nothing hidden."""
    if not SAFE_NAME.fullmatch(name) or ".." in name:
        raise ConfigError(
            f"ablation.name={name!r} is not a safe folder name: use letters, digits, '.', '_' and '-' "
            "(no '/', no '..'), so the sweep stays under outputs/sweeps/"
        )


def check_job_config(cfg: DictConfig) -> None:
    """Everything checkable from the config alone, before data is read or a framework imported."""
    check_known_keys(cfg)
    check_seed(cfg)
    check_sweep_name(str(cfg.ablation.name))
    parent_run(cfg)  # trainer.init_from: a completed run of this family with intact, finite weights
    record = families().get(str(cfg.model.family))
    if record is not None:
        record.check(cfg)  # the family's own combination checks (its record's ``check``)

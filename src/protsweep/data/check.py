"""Checks of a ``data`` config that composition cannot make: mandatory paths given, fractions in range.

Each failure is a :class:`ConfigError` naming the key, so the user sees one line before any file is read.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError


def check_missing(data_cfg: DictConfig) -> None:
    """A ``???`` value (``data=csv`` without ``data.source.path``) names the key and how to give it."""
    # full keys from the root of a composed config (data.source.path), relative in a bare data config
    missing = sorted(key if key.startswith("data.") else f"data.{key}" for key in OmegaConf.missing_keys(data_cfg))
    if missing:
        keys = ", ".join(missing)
        example = " ".join(f"{key}=..." for key in missing)
        raise ConfigError(f"data={data_cfg.get('name', '?')} needs {keys}: add {example} to the command line")


def check_fractions(valid_frac: float, test_frac: float) -> None:
    """Both held-out splits must exist (AUC on an empty split is undefined) and leave rows to train on."""
    for key, value in (("data.valid_frac", valid_frac), ("data.test_frac", test_frac)):
        if not 0.0 < value < 1.0:
            raise ConfigError(f"{key}={value} is out of range: it must be > 0 and < 1")
    if valid_frac + test_frac >= 1.0:
        raise ConfigError(
            f"data.valid_frac + data.test_frac = {valid_frac} + {test_frac} leaves nothing to train on: "
            "their sum must be < 1"
        )


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ConfigError(f"data.limit={limit} is out of range: a positive number of examples, or null for all")


def check_data_config(data_cfg: DictConfig) -> None:
    check_missing(data_cfg)
    check_fractions(float(data_cfg.valid_frac), float(data_cfg.test_frac))
    check_limit(None if data_cfg.get("limit") is None else int(data_cfg.limit))

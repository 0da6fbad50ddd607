"""Checks of the composed config a launch makes before any job starts, and that ``protsweep --cfg job`` makes
before it prints the config: unknown keys (``+trainer.bach_size=8``) and the values whose schema type is open
(``Any``: a word or a number), each failing with one line naming the key.

The closed choices with an Enum schema already fail in Hydra's composition; these are the rest.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from protsweep.errors import ConfigError
from protsweep.integrity.checks import check_known_keys, check_seed
from protsweep.launch.progress import progress_mode
from protsweep.launch.resources import threads_per_job

#: ``<START>`` and ``<END>`` take two of ProteinBERT's positions.
MIN_SEQ_LEN = 3
DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def _int_or_auto(value: Any, minimum: int) -> bool:
    if str(value) == "auto":
        return True
    try:
        return not isinstance(value, bool) and int(str(value)) >= minimum
    except ValueError:
        return False


def _threads(value: Any) -> bool:
    try:
        threads_per_job(value, {}, 1)
    except (ConfigError, TypeError, ValueError):
        return False
    return True


def _progress(value: Any) -> bool:
    try:
        progress_mode(value)
    except ConfigError:
        return False
    return True


#: dotted key -> (what it accepts, the check). A key the config lacks (the other family's) is not checked.
OPEN_VALUES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "progress": ("auto, always or never (or true/false)", _progress),
    "resources.threads": ("auto, null or a positive integer", _threads),
    "trainer.seq_len": (f"auto or an integer of at least {MIN_SEQ_LEN}", lambda v: _int_or_auto(v, MIN_SEQ_LEN)),
    "trainer.device": ("auto, cpu, mps, cuda or cuda:N", lambda v: bool(DEVICE.fullmatch(str(v)))),
    "embedder.device": ("auto, cpu, mps, cuda or cuda:N", lambda v: bool(DEVICE.fullmatch(str(v)))),
}


def check_open_values(cfg: DictConfig) -> None:
    for key, (accepts, ok) in OPEN_VALUES.items():
        value = OmegaConf.select(cfg, key, default="auto", throw_on_missing=False)
        if not ok(value):
            raise ConfigError(f"{key} must be {accepts}, not {value!r}")


def check_composed(cfg: DictConfig) -> None:
    """The checks of a composed config (Hydra's own node, if there, left aside), one line each."""
    job = cfg
    if "hydra" in cfg:
        job = copy.deepcopy(cfg)  # keeps the root's schema (unknown top-level keys are still found)
        with open_dict(job):
            del job["hydra"]
    check_known_keys(job)
    check_seed(job)
    check_open_values(job)

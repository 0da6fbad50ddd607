"""Schemas of the ``calibration`` group: a ``_target_`` and the constructor arguments of the calibrator,
with defaults equal to the class's own (a test compares them). Light: dataclasses only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

_MODULE = "protsweep.calibration.calibrators"


@dataclass
class CalibrationConfig:
    """``calibration``: a monotone map fitted on valid (never reverses a ranking); every family. Like the other
    object groups, the option names its class in ``_target_``."""

    _target_: str = MISSING


@dataclass
class IdentityConfig(CalibrationConfig):
    """``none``: probabilities pass through unchanged. ``n_bins``: bins of the ECE in metrics.json."""

    _target_: str = f"{_MODULE}.Identity"
    name: str = "none"
    n_bins: int = 10


@dataclass
class PlattConfig(IdentityConfig):
    """Logistic regression on the logit, slope bounded at 0 from below (never flips the ranking)."""

    _target_: str = f"{_MODULE}.Platt"
    name: str = "platt"


@dataclass
class IsotonicConfig(IdentityConfig):
    """A monotone non-decreasing step function (it can create ties; AUC comes from the raw scores)."""

    _target_: str = f"{_MODULE}.Isotonic"
    name: str = "isotonic"


SCHEMAS: dict[tuple[str | None, str], Any] = {
    ("calibration", "none_schema"): IdentityConfig,
    ("calibration", "platt_schema"): PlattConfig,
    ("calibration", "isotonic_schema"): IsotonicConfig,
}

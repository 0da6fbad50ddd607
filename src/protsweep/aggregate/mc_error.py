"""The Monte-Carlo error of a bootstrap percentile interval: how far the interval's ends would move with
another set of resamples of the same size (batch means: the resamples split into equal groups, each group's
percentile interval taken, the standard deviation of the group ends divided by √groups)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from .bootstrap import CONFIDENCE, percentile_ci

N_GROUPS = 20


def percentile_ci_mc_error(values: ArrayLike, confidence: float = CONFIDENCE, n_groups: int = N_GROUPS) -> float:
    """The larger Monte-Carlo standard error of the two interval ends (NaN with fewer than 2 resamples
    per group)."""
    v = np.asarray(values, dtype=np.float64)
    size = v.size // n_groups
    if size < 2:
        return math.nan
    ends = np.array([percentile_ci(v[i * size : (i + 1) * size], confidence) for i in range(n_groups)])
    return float(np.max(ends.std(axis=0, ddof=1)) / math.sqrt(n_groups))


PRINTED_DIGITS = 4  # decimals of every printed interval (formatting.fmt, predict's lines)


def mc_error_line(errors: Iterable[float], n_boot: int, digits: int = PRINTED_DIGITS) -> str | None:
    """The line under a table of bootstrap intervals: the largest Monte-Carlo error of any interval end and
    whether it is below the printed precision (half a unit of the last printed decimal); None without any."""
    finite = [float(e) for e in errors if np.isfinite(e)]
    if not finite:
        return None
    worst = max(finite)
    line = f"Monte-Carlo error of the interval ends (another {n_boot} resamples): up to ±{worst:.{digits}f}"
    return line + ("" if worst < 0.5 * 10.0**-digits else "; raise --n-boot to shrink it")

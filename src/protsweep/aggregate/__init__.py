"""Aggregator: run records of a sweep -> per-seed and ensemble metrics, paired tests, tables, plots."""

from .api import Results, aggregate
from .errors import (
    AggregateError,
    BaselineError,
    NoCompletedRunsError,
    NoRunsError,
    OutputDirError,
    TestSetMismatchError,
)

__all__ = [
    "AggregateError",
    "BaselineError",
    "NoCompletedRunsError",
    "NoRunsError",
    "OutputDirError",
    "Results",
    "TestSetMismatchError",
    "aggregate",
]

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
from .report import Report, build_report

__all__ = [
    "AggregateError",
    "BaselineError",
    "NoCompletedRunsError",
    "NoRunsError",
    "OutputDirError",
    "Report",
    "Results",
    "TestSetMismatchError",
    "aggregate",
    "build_report",
]

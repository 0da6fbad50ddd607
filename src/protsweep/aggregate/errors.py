"""Errors the aggregator reports as one line (the CLI exits with status 2, the callback logs them)."""

from __future__ import annotations

from protsweep.errors import ProtsweepError


class AggregateError(ProtsweepError):
    """A sweep that cannot be aggregated as asked; the message names the directory or run."""


class NoRunsError(AggregateError):
    """No run directory under the given paths."""


class NoCompletedRunsError(AggregateError):
    """Run directories exist, but none holds a usable completed run (e.g. every job failed)."""


class TestSetMismatchError(AggregateError):
    """Runs that would be ensembled or paired do not share one test set (ids or labels differ)."""

    __test__ = False  # not a pytest test class, despite the name


class BaselineError(AggregateError):
    """An explicitly requested baseline matches no variant, or several."""


class OutputDirError(AggregateError):
    """The output folder exists and is not one the aggregator wrote."""

"""Aggregator: run records of a sweep -> per-seed and ensemble metrics, paired tests, tables, plots.

``aggregate()`` returns a ``Results`` (tables and values); ``write_results`` writes ``results/``,
``console_summary`` / ``summary_markdown`` render it; ``build_report`` and ``write_report`` do the
same across sweeps.
"""

from .api import aggregate
from .errors import (
    AggregateError,
    BaselineError,
    NoCompletedRunsError,
    NoRunsError,
    OutputDirError,
    TestSetMismatchError,
)
from .output import write_report, write_results
from .records import LoadedRun
from .render import console_summary, summary_markdown
from .report import Report, build_report
from .report_render import report_markdown
from .result import Results

__all__ = [
    "AggregateError",
    "BaselineError",
    "LoadedRun",
    "NoCompletedRunsError",
    "NoRunsError",
    "OutputDirError",
    "Report",
    "Results",
    "TestSetMismatchError",
    "aggregate",
    "build_report",
    "console_summary",
    "report_markdown",
    "summary_markdown",
    "write_report",
    "write_results",
]

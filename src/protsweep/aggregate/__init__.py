"""Aggregator: run records of a sweep -> per-seed and ensemble metrics, paired tests, tables, plots.

``aggregate()`` returns a ``Results`` (tables and values); ``write_results`` writes ``results/``,
``console_summary`` / ``summary_markdown`` render it; ``build_report`` and ``write_report`` do the
same across sweeps.

The names below are loaded on first use (PEP 562), so a command that needs one small module of the package
(``protsweep-predict`` reads ``saved_runs``, ``bootstrap``, ``metrics``) does not import the tables, plots and
tests behind ``aggregate()`` (matplotlib, statsmodels): its start-up is issue 23's Siamese scoring figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from protsweep.lazy_names import lazy_names

if TYPE_CHECKING:
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

#: public name -> the module of this package that defines it
_HOMES: dict[str, str] = {
    "aggregate": "api",
    **dict.fromkeys(("AggregateError", "BaselineError", "NoCompletedRunsError", "NoRunsError", "OutputDirError",
                     "TestSetMismatchError"), "errors"),
    "write_report": "output",
    "write_results": "output",
    "LoadedRun": "records",
    "console_summary": "render",
    "summary_markdown": "render",
    "Report": "report",
    "build_report": "report",
    "report_markdown": "report_render",
    "Results": "result",
}

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


__getattr__ = lazy_names(__name__, _HOMES)

"""User-facing errors: each is reported as one clear line, never as a traceback."""

from __future__ import annotations


class ProtsweepError(Exception):
    """Bad input or configuration that the user can fix. The message is the whole report."""


class DataError(ProtsweepError):
    """A problem in an input data file, located by file and (where it applies) row and field."""

    def __init__(self, source: str, problem: str, row: int | None = None, field: str | None = None) -> None:
        where = source
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.row = row
        self.field = field


class ConfigError(ProtsweepError):
    """A combination of config options that cannot work together."""

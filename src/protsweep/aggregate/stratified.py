"""A sweep that spans several strata (data sets, split kinds: ``data=hemolysis,amp_modlamp`` or
``data.split_by=sequence,cluster`` as a sweep axis): what the end-of-sweep aggregation and
``protsweep-aggregate`` write instead of one table over runs whose test sets differ.

Each stratum is aggregated on its own (its own baseline, its own test set); the conclusion report puts the
per-stratum verdicts side by side and pools each route across strata (:mod:`.report`, :mod:`.meta`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .output import replace_owned_dir, write_report, write_results
from .render import console_summary
from .report import Report, build_report, dir_strata
from .report_render import report_markdown

#: the report's folder inside a stratified results folder
REPORT_DIR = "report"


def spans_strata(dirs: Sequence[str | os.PathLike[str]]) -> bool:
    """Whether the runs under ``dirs`` belong to more than one stratum."""
    return any(label for _, _, label in dir_strata(dirs))


def stratum_folder(name: str) -> str:
    """A folder name for a stratum's results (``head [data.name=hemolysis]`` -> ``head_data.name=hemolysis``)."""
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip("_") or "stratum"


def write_stratified(report: Report, out: Path, plots: bool = True) -> Path:
    """One results folder per stratum and the report (per-stratum verdicts, pooled verdicts) in ``out``."""

    def fill(tmp: Path) -> None:
        for name, res in report.sweeps:
            write_results(res, tmp / stratum_folder(name), plots=plots)
        write_report(report, tmp / REPORT_DIR)

    return replace_owned_dir(out, fill)


def aggregate_strata(
    dirs: Sequence[str | os.PathLike[str]], out: Path | None, plots: bool = True, **options: Any
) -> tuple[str, Path | None]:
    """Aggregate each stratum, write them (unless ``out`` is None) and return what to print and where."""
    report = build_report(dirs, **options)
    parts = [f"## {name}\n\n{console_summary(res)}" for name, res in report.sweeps]
    text = "\n\n".join([*parts, report_markdown(report)])
    where = write_stratified(report, out, plots) if out is not None else None
    return text, where

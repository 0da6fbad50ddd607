"""A variant: the runs that share one configuration apart from the seed and the output-only keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from .configkeys import overrides_dict
from .records import LoadedRun


@dataclass
class Variant:
    key: str
    runs: list[LoadedRun] = field(default_factory=list)
    # Expected jobs (from multirun.yaml) of this variant that have no run directory: their overrides.
    missing_jobs: list[list[str]] = field(default_factory=list)
    label: str = ""
    is_baseline: bool = False

    def override_sets(self) -> list[dict[str, str]]:
        sets = [overrides_dict(r.overrides) for r in self.runs]
        sets += [overrides_dict(job) for job in self.missing_jobs]
        return sets

    @property
    def representative(self) -> LoadedRun | None:
        with_config = [r for r in self.runs if r.config is not None]
        return (with_config or self.runs or [None])[0]

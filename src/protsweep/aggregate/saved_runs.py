"""Which runs ``protsweep-predict`` uses: one run directory, or the seeds of one variant of a sweep, chosen
as the aggregator chooses them (runs grouped into variants by config less seed and output-only keys; the
latest completed run per seed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from protsweep.aggregate.baseline import format_spec, matches_baseline
from protsweep.aggregate.configkeys import OUTPUT_ONLY_KEYS
from protsweep.aggregate.grouping import group_runs
from protsweep.aggregate.records import discover_run_dirs, is_run_dir, load_run
from protsweep.aggregate.selection import choose_runs
from protsweep.errors import ProtsweepError
from protsweep.record.contract import RUN_JSON, Status
from protsweep.record.state import read_status


def parse_selector(items: Sequence[str]) -> dict[str, str]:
    """``["head=two_layer", "loss=focal"]`` -> dict; a malformed item is an error naming it."""
    spec: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ProtsweepError(f"--variant {item!r}: expected key=value, e.g. head=two_layer")
        spec[key.strip()] = value.strip()
    return spec


def select_runs(path: str | Path, variant: Sequence[str] = ()) -> dict[int, Path]:
    """seed -> run directory. A run directory alone gives itself; a sweep directory gives the seeds of the
    one variant ``variant`` (``key=value`` items) matches, or of its only variant."""
    root = Path(path)
    if is_run_dir(root) and (root / RUN_JSON).is_file():
        if read_status(root) is not Status.COMPLETED:
            raise ProtsweepError(f"{root / RUN_JSON}: the run is not completed")
        if variant:
            raise ProtsweepError(f"{root}: --variant selects runs of a sweep directory, and this is one run")
        run = load_run(root)
        return {run.seed if run.seed is not None else 0: root}
    runs = [load_run(p) for p in discover_run_dirs([root])]
    variants = [v for v in group_runs(runs, [], OUTPUT_ONLY_KEYS) if any(r.usable for r in v.runs)]
    spec = parse_selector(variant)
    matched = [v for v in variants if matches_baseline(v, spec, OUTPUT_ONLY_KEYS)]
    labels = ", ".join(v.label for v in variants) or "none"
    if not matched:
        raise ProtsweepError(f"{root}: --variant {format_spec(spec)} matches no variant with completed runs "
                             f"(variants: {labels})")
    if len(matched) > 1:
        what = f"--variant {format_spec(spec)} matches" if spec else "holds"
        raise ProtsweepError(f"{root}: {what} {len(matched)} variants ({', '.join(v.label for v in matched)}); "
                             "name one with --variant key=value")
    chosen = choose_runs(matched, [], [])[matched[0].key]
    return {seed: rec.path for seed, rec in sorted(chosen.items())}

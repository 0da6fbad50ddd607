"""Which runs count: the jobs a sweep expected but never started, one run per (variant, seed), the
degenerate-run policy, and the check that every counted run shares one test set."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from .errors import NoCompletedRunsError, TestSetMismatchError
from .expected import MULTIRUN_YAML, expected_jobs
from .predictions import SplitPredictions, test_set_difference
from .records import LoadedRun, display_path
from .variant import Variant

# variant key -> seed -> the run used for that seed
Chosen = dict[str, dict[int, LoadedRun]]


def missing_jobs(runs: list[LoadedRun], dirs: list[Path], problems: list[str]) -> tuple[list[list[str]], bool]:
    """Expected jobs (from each sweep's multirun.yaml) without a run directory, and whether any
    sweep's expectations are known at all."""
    sweep_dirs = list(OrderedDict.fromkeys(r.sweep_dir for r in runs if r.sweep_dir is not None))
    sweep_dirs += [d.resolve() for d in dirs if (d / MULTIRUN_YAML).is_file() and d.resolve() not in sweep_dirs]
    missing: list[list[str]] = []
    known = False
    for sweep_dir in sweep_dirs:
        jobs = expected_jobs(sweep_dir)
        if jobs is None:
            problems.append(f"{display_path(sweep_dir)}: could not work out the expected jobs from {MULTIRUN_YAML}")
            continue
        known = True
        present = {frozenset(r.overrides) for r in runs if r.sweep_dir == sweep_dir}
        missing.extend(job for job in jobs if frozenset(job) not in present)
    return missing, known


def no_completed_message(runs: list[LoadedRun], dirs: list[Path]) -> str:
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    first = next((r for r in runs if r.error), None)
    where = ", ".join(display_path(d) for d in dirs)
    msg = f"no completed runs in {where} ({len(runs)} run dir(s): {parts})"
    if first is not None:
        msg += f"; first error, {display_path(first.path)}: {first.error}"
    return msg


def degenerate_note(v: Variant, rec: LoadedRun, excluded: bool) -> str:
    how = (
        "excluded from means, ensembles and comparisons (report.exclude_degenerate=true)"
        if excluded
        else "kept in means, ensembles and comparisons (docs/statistics.md)"
    )
    return (
        f"{v.label} seed {rec.seed}: degenerate run, (nearly) constant {'/'.join(rec.degenerate_splits)} "
        f"predictions ({display_path(rec.path)}); {how}"
    )


def choose_runs(
    variants: list[Variant], problems: list[str], warnings: list[str], exclude_degenerate: bool = False
) -> Chosen:
    """One usable run per (variant, seed): the latest finished if a seed was run twice. Degenerate
    runs get a line in ``warnings``, and are left out only with ``exclude_degenerate``."""
    chosen: Chosen = {}
    for v in variants:
        by_seed: dict[int, list[LoadedRun]] = {}
        for rec in v.runs:
            if not rec.usable:
                continue
            if rec.seed is None:
                problems.append(f"{display_path(rec.path)}: completed run without a seed; skipped")
                continue
            by_seed.setdefault(rec.seed, []).append(rec)
        picked: dict[int, LoadedRun] = {}
        for s, recs in sorted(by_seed.items()):
            recs.sort(key=lambda r: (r.ended_at, str(r.path)))
            latest = recs[-1]
            if len(recs) > 1:
                problems.append(
                    f"{v.label} seed {s}: {len(recs)} completed runs "
                    f"({', '.join(display_path(r.path) for r in recs)}); "
                    f"using the latest, {display_path(latest.path)}"
                )
            if latest.degenerate:
                warnings.append(degenerate_note(v, latest, exclude_degenerate))
                if exclude_degenerate:
                    continue
            picked[s] = latest
        chosen[v.key] = picked
    return chosen


def check_test_sets(chosen: Chosen, base: Variant | None) -> SplitPredictions:
    """All runs to be ensembled or paired must share one test set; else refuse, naming the runs."""
    recs = [r for per in chosen.values() for r in per.values()]
    if not recs:
        raise NoCompletedRunsError("no usable run left to aggregate (every completed run is degenerate)")
    if base is not None and chosen.get(base.key):
        first = next(iter(chosen[base.key].values()))
        recs.remove(first)
        recs.insert(0, first)
    ref = recs[0]
    assert ref.test is not None
    odd = [
        (r, test_set_difference(r.test, ref.test))  # sizes in the order the message names the runs
        for r in recs[1:]
        if r.test is not None and r.test.fingerprint != ref.test.fingerprint
    ]
    if odd:
        other, why = odd[0]
        more = f"; {len(odd) - 1} more run(s) differ too, e.g. {display_path(odd[1][0].path)}" if len(odd) > 1 else ""
        raise TestSetMismatchError(
            f"test sets differ, refusing to ensemble or pair: {display_path(other.path)} vs "
            f"{display_path(ref.path)}: {why}{more}"
        )
    if ref.test.n_pos < 1 or ref.test.n_pos == ref.test.n:
        raise TestSetMismatchError(f"{display_path(ref.path)}: the test set holds only one class; AUC is undefined")
    return ref.test

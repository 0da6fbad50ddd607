"""``aggregate(dirs)``: run records in, per-run / per-variant / comparison tables out (pandas).

Orchestration only: each step lives in its own module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from protsweep.keypolicy import FOLD_KEY

from .baseline import resolve_baseline
from .bootstrap import DEFAULT_N_BOOT, StratifiedBootstrap
from .calibration_table import calibration_table, with_calibration
from .comparisons import compare_to_baseline
from .configkeys import OUTPUT_ONLY_KEYS
from .ensembles import EnsembleCache
from .errors import NoCompletedRunsError
from .grouping import group_runs
from .history import training_curves
from .labels import variant_legend
from .oof import merge_fold_runs, verdict_basis
from .per_run import coverage_frame, per_run_frame, run_metrics
from .provenance import collect_provenance
from .records import LoadedRun, discover_run_dirs, display_path, load_run
from .reference import effective_reference, reference_warnings
from .result import Results
from .selection import check_test_sets, choose_runs, missing_jobs, no_completed_message
from .similarity import similarity_reference
from .splits import DEFAULT_MIN_CLASS_COUNT, cold_split_notes, small_split_warnings, split_frame
from .strata import data_overrides, stratum_of
from .summary import best_basis, summary_frame
from .verdict import ALPHA, DEFAULT_MARGIN_AUC


def aggregate(
    dirs: Sequence[str | os.PathLike[str]],
    baseline: Sequence[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    ignore_keys: Sequence[str] = (),
    min_class_count: int = DEFAULT_MIN_CLASS_COUNT,
    exclude_degenerate: bool = False,
    margin_auc: float = DEFAULT_MARGIN_AUC,
    alpha: float = ALPHA,
    stratum: dict[str, Any] | None = None,
) -> Results:
    """Aggregate every run record at or below ``dirs`` (pooled) into per-run, per-variant and
    baseline-comparison tables.

    ``baseline``: ``key=value`` items that identify the baseline variant; default: the runs'
    ``ablation.baseline`` declaration. ``n_boot`` resamples from ``numpy.random.default_rng(seed)``.
    ``ignore_keys``: config keys (dotted) that, like the seed, never distinguish variants.
    ``min_class_count`` (``report.min_class_count``): a split with fewer positives or negatives is
    flagged as too small for reliable AUC intervals. ``exclude_degenerate``: leave runs with (nearly)
    constant predictions out of means, ensembles and comparisons (default: keep them, flagged).
    ``margin_auc`` (``report.margin_auc``): |ΔAUC| below it counts as equivalent (TOST at ``alpha``).
    ``stratum``: only the runs of this data set and split kind (``strata.stratum_of``); default: all.
    Raises an ``AggregateError`` subclass (one-line message) when nothing sensible can be computed.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be positive")
    dir_paths = [Path(d) for d in dirs]
    ignore = (*OUTPUT_ONLY_KEYS, FOLD_KEY, *ignore_keys)
    runs = [load_run(p) for p in discover_run_dirs(list(dir_paths))]
    problems: list[str] = []

    missing, have_expectations = missing_jobs(runs, dir_paths, problems)
    if stratum is not None:
        runs = [r for r in runs if stratum_of(r.config) == stratum]
        mine = {data_overrides(r.overrides) for r in runs}
        missing = [job for job in missing if data_overrides(job) in mine]
    runs = merge_fold_runs(runs, problems)  # a cross-validated (variant, seed): one out-of-fold run
    variants = group_runs(runs, missing, ignore)
    if not any(r.usable for r in runs):
        raise NoCompletedRunsError(no_completed_message(runs, dir_paths))
    spec, base = resolve_baseline(baseline, runs, variants, ignore, problems)
    variants.sort(key=lambda v: (not v.is_baseline, v.label))

    warnings: list[str] = []
    chosen = choose_runs(variants, problems, warnings, exclude_degenerate)
    reference_test = check_test_sets(chosen, base)
    for rec in runs:
        problems.extend(f"{display_path(rec.path)}: {w}" for w in rec.warnings)

    boot = StratifiedBootstrap.create(reference_test.labels, n_boot=n_boot, seed=seed)
    per_seed = run_metrics(variants, chosen, boot, problems)
    ensembles = EnsembleCache(chosen, boot)
    all_seeds = sorted({r.seed for r in runs if r.seed is not None})
    coverage = coverage_frame(variants, chosen, all_seeds, have_expectations)
    comparisons = compare_to_baseline(variants, base, chosen, per_seed, ensembles, margin_auc, alpha)
    n_expected = dict(zip(coverage["variant"], coverage["n_expected"], strict=True))
    summary, curves = summary_frame(variants, chosen, per_seed, n_expected, ensembles, comparisons)
    per_run = per_run_frame(variants, chosen, per_seed)
    calibration, reliability = calibration_table(per_run)
    splits = split_frame(variants, chosen, min_class_count)
    warnings += small_split_warnings(splits, min_class_count)
    counted = [r for per in chosen.values() for r in per.values()]
    prov = collect_provenance((r.info, r.config or {}) for r in counted)
    reference = effective_reference(r.config or {} for r in runs)
    warnings += [w for w in (prov.warning(),) if w] + reference_warnings(reference, prov)
    return Results(
        per_run=per_run,
        summary=with_calibration(summary, calibration),
        coverage=coverage,
        comparisons=comparisons,
        variants=variant_legend(variants),
        splits=splits,
        warnings=warnings,
        problems=warnings + problems,
        dirs=dir_paths,
        name=_name(runs, dir_paths),
        baseline=base.label if base is not None else None,
        baseline_spec=spec,
        n_boot=boot.n_boot,
        seed=seed,
        test_fingerprint=reference_test.fingerprint,
        n_test=reference_test.n,
        n_pos=reference_test.n_pos,
        min_class_count=min_class_count,
        exclude_degenerate=exclude_degenerate,
        split_notes=cold_split_notes(counted),
        reference=reference,
        provenance=prov,
        curves=curves,
        calibration=calibration,
        reliability=reliability,
        histories=training_curves(variants, chosen),
        best_basis=best_basis(summary),
        margin_auc=margin_auc,
        alpha=alpha,
        verdict_basis=verdict_basis(reference_test),
        similarity=similarity_reference(chosen.get(base.key, {}).values() if base else (), boot.n_boot, seed),
    )


def _name(runs: list[LoadedRun], dirs: list[Path]) -> str:
    names: list[str] = []
    for r in runs:
        name = r.ablation.get("name")
        if name and str(name) not in names:
            names.append(str(name))
    return "+".join(names) if names else "+".join(d.resolve().name for d in dirs)

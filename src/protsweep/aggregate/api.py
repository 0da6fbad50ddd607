"""``aggregate(dirs)``: run records in, per-run / per-variant / comparison tables out (pandas)."""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .bootstrap import DEFAULT_N_BOOT, StratifiedBootstrap, percentile_ci
from .delong import delong_paired
from .errors import BaselineError, NoCompletedRunsError, TestSetMismatchError
from .grouping import (
    OUTPUT_ONLY_KEYS,
    Variant,
    declared_baseline,
    format_spec,
    group_runs,
    matches_baseline,
    parse_baseline,
)
from .metrics import auc_auprc
from .records import (
    COMPLETED,
    CORRUPT,
    FAILED,
    INCOMPLETE,
    MULTIRUN_YAML,
    RunRecord,
    TestSet,
    discover_run_dirs,
    expected_jobs,
    load_run,
    overrides_dict,
    test_set_difference,
)
from .stat_tests import holm, paired_ttest, t_summary

# Tolerance for the cross-check of metrics.json against the AUC/AUPRC recomputed from predictions.csv.
_METRICS_TOL = 1e-6


@dataclass
class Ensemble:
    """Mean probability over a set of seeds, with its point metrics and bootstrap distributions."""

    seeds: tuple[int, ...]
    probs: NDArray[np.float64]
    auc: float
    auprc: float
    boot_auc: NDArray[np.float64]
    boot_auprc: NDArray[np.float64]


class _Ensembles:
    """Seed ensembles computed once per (variant, seed set): the mean probability and its bootstrap."""

    def __init__(self, chosen: dict[str, dict[int, RunRecord]], boot: StratifiedBootstrap) -> None:
        self.chosen = chosen
        self.boot = boot
        self._cache: dict[tuple[str, tuple[int, ...]], Ensemble] = {}

    def get(self, variant: Variant, seeds: tuple[int, ...]) -> Ensemble:
        key = (variant.key, seeds)
        if key not in self._cache:
            tests = [self.chosen[variant.key][s].test for s in seeds]
            probs = np.mean([t.probs for t in tests if t is not None], axis=0)
            auc, ap = auc_auprc(probs, self.boot.labels)
            b_auc, b_ap = self.boot.auc_auprc(probs)
            self._cache[key] = Ensemble(seeds, probs, auc, ap, b_auc, b_ap)
        return self._cache[key]


@dataclass
class Results:
    """What ``aggregate`` returns: the tables plus what the writers and plots need."""

    per_run: pd.DataFrame
    summary: pd.DataFrame
    coverage: pd.DataFrame
    comparisons: pd.DataFrame
    problems: list[str]
    dirs: list[Path]
    name: str
    baseline: str | None  # label of the baseline variant
    baseline_spec: dict[str, Any]
    n_boot: int
    seed: int
    test_fingerprint: str
    n_test: int
    n_pos: int
    reference: dict[str, Any] | None = None
    # label -> (labels, ensemble probabilities over all the variant's seeds), for the ROC/PR plot
    curves: dict[str, tuple[NDArray[np.int8], NDArray[np.float64]]] = field(default_factory=dict)

    def write(self, out_dir: str | os.PathLike[str] | None = None, plots: bool = True) -> Path:
        """Write ``results/`` (default: ``<first dir>/results``); replaces only a folder it wrote before."""
        from .tables import write_results

        return write_results(self, Path(out_dir) if out_dir is not None else self.dirs[0] / "results", plots)

    def table_text(self) -> str:
        """The summary table (Markdown) with a one-line header, as printed at the end of a multirun."""
        from .tables import console_summary

        return console_summary(self)

    def to_markdown(self) -> str:
        from .tables import summary_markdown

        return summary_markdown(self)


def aggregate(
    dirs: Sequence[str | os.PathLike[str]],
    baseline: Sequence[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    ignore_keys: Sequence[str] = (),
) -> Results:
    """Aggregate every run record at or below ``dirs`` (pooled) into per-run, per-variant and
    baseline-comparison tables.

    ``baseline``: ``key=value`` items that identify the baseline variant; default: the runs'
    ``ablation.baseline`` declaration. ``n_boot`` resamples from ``numpy.random.default_rng(seed)``.
    ``ignore_keys``: config keys (dotted) that, like the seed, never distinguish variants.
    Raises an ``AggregateError`` subclass (one-line message) when nothing sensible can be computed.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be positive")
    dir_paths = [Path(d) for d in dirs]
    ignore = tuple(OUTPUT_ONLY_KEYS) + tuple(ignore_keys)
    runs = [load_run(p) for p in discover_run_dirs(list(dir_paths))]
    problems: list[str] = []

    missing_jobs, have_expectations = _missing_jobs(runs, dir_paths, problems)
    variants = group_runs(runs, missing_jobs, ignore)

    usable = [r for r in runs if r.usable]
    if not usable:
        raise NoCompletedRunsError(_no_completed_message(runs, dir_paths))

    spec, explicit = _baseline_spec(baseline, runs, problems)
    base = _find_baseline(variants, spec, explicit, problems, ignore)
    if base is not None:
        base.is_baseline = True
    variants.sort(key=lambda v: (not v.is_baseline, v.label))

    chosen = _dedupe(variants, problems)
    reference_test = _check_test_sets(chosen, base)
    for rec in runs:
        problems.extend(f"{_display(rec.path)}: {w}" for w in rec.warnings)

    boot = StratifiedBootstrap.create(reference_test.labels, n_boot=n_boot, seed=seed)
    labels = reference_test.labels
    run_rows = _per_run_rows(variants, chosen, boot, problems)
    per_seed = {
        v.key: {s: (row["auc"], row["auprc"]) for s, row in run_rows.get(v.key, {}).items()} for v in variants
    }

    ensembles = _Ensembles(chosen, boot)
    all_seeds = sorted({r.seed for r in runs if r.seed is not None})
    coverage = _coverage(variants, chosen, all_seeds, have_expectations)
    summary_rows: list[dict[str, Any]] = []
    curves: dict[str, tuple[NDArray[np.int8], NDArray[np.float64]]] = {}
    for v in variants:
        seeds = tuple(sorted(chosen.get(v.key, {})))
        row: dict[str, Any] = {
            "variant": v.label,
            "baseline": v.is_baseline,
            "best": False,
            "n_seeds": len(seeds),
            "n_expected": coverage[v.key]["n_expected"],
        }
        for metric, idx in (("auc", 0), ("auprc", 1)):
            s = t_summary([per_seed[v.key][sd][idx] for sd in seeds])
            row |= {
                f"{metric}_mean": s.mean,
                f"{metric}_sd": s.sd,
                f"{metric}_ci_lo": s.ci_lo,
                f"{metric}_ci_hi": s.ci_hi,
            }
        if seeds:
            ens = ensembles.get(v, seeds)
            curves[v.label] = (labels, ens.probs)
            row |= _ensemble_columns(ens, row)
        else:
            row |= {k: math.nan for k in _ENSEMBLE_COLUMNS}
            row["ens_k"] = 0
        summary_rows.append(row)

    comparisons = _comparisons(variants, base, chosen, per_seed, ensembles)
    summary = pd.DataFrame(summary_rows)
    if summary["auc_mean"].notna().any():
        summary.loc[summary["auc_mean"].idxmax(), "best"] = True
    if not comparisons.empty:
        keep = comparisons.set_index("variant")[["delta_auc", "p_auc_holm", "ens_delta_auc", "p_delong_holm"]]
        summary = summary.join(keep, on="variant")
    else:
        for col in ("delta_auc", "p_auc_holm", "ens_delta_auc", "p_delong_holm"):
            summary[col] = math.nan

    per_run = pd.DataFrame(
        [row for v in variants for row in _run_rows_for(v, run_rows.get(v.key, {}), chosen.get(v.key, {}))],
        columns=_PER_RUN_COLUMNS,
    )
    coverage_df = pd.DataFrame(
        [coverage[v.key] | {"variant": v.label, "baseline": v.is_baseline} for v in variants]
    )[_COVERAGE_COLUMNS]
    return Results(
        per_run=per_run,
        summary=summary,
        coverage=coverage_df,
        comparisons=comparisons,
        problems=problems,
        dirs=dir_paths,
        name=_name(runs, dir_paths),
        baseline=base.label if base is not None else None,
        baseline_spec=spec,
        n_boot=boot.n_boot,
        seed=seed,
        test_fingerprint=reference_test.fingerprint,
        n_test=reference_test.n,
        n_pos=reference_test.n_pos,
        reference=_reference(runs),
        curves=curves,
    )


# ---------------------------------------------------------------------------------------------------
# Column sets

_PER_RUN_COLUMNS = [
    "variant",
    "seed",
    "status",
    "used",
    "auc",
    "auc_lo",
    "auc_hi",
    "auprc",
    "auprc_lo",
    "auprc_hi",
    "n_test",
    "n_pos",
    "valid_auc",
    "valid_auprc",
    "best_epoch",
    "epochs_run",
    "wall_seconds",
    "error",
    "run_dir",
]
_ENSEMBLE_COLUMNS = [
    "ens_k",
    "ens_auc",
    "ens_auc_lo",
    "ens_auc_hi",
    "ens_auprc",
    "ens_auprc_lo",
    "ens_auprc_hi",
    "ens_gain_auc",
    "ens_gain_auprc",
]
_COVERAGE_COLUMNS = [
    "variant",
    "baseline",
    "n_expected",
    "n_completed",
    "seeds_expected",
    "seeds_completed",
    "seeds_missing",
    "seeds_failed",
    "seeds_incomplete",
    "seeds_skipped",
    "errors",
]
COMPARISON_COLUMNS = [
    "variant",
    "baseline",
    "k",
    "seeds",
    "delta_auc",
    "delta_auc_sd",
    "delta_auc_ci_lo",
    "delta_auc_ci_hi",
    "t_auc",
    "p_auc",
    "p_auc_holm",
    "delta_auprc",
    "delta_auprc_sd",
    "delta_auprc_ci_lo",
    "delta_auprc_ci_hi",
    "t_auprc",
    "p_auprc",
    "p_auprc_holm",
    "ens_auc",
    "ens_auc_base",
    "ens_delta_auc",
    "ens_delta_auc_lo",
    "ens_delta_auc_hi",
    "delong_z",
    "delong_var",
    "p_delong",
    "p_delong_holm",
    "ens_auprc",
    "ens_auprc_base",
    "ens_delta_auprc",
    "ens_delta_auprc_lo",
    "ens_delta_auprc_hi",
    "note",
]


# ---------------------------------------------------------------------------------------------------
# Steps


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _missing_jobs(
    runs: list[RunRecord], dirs: list[Path], problems: list[str]
) -> tuple[list[list[str]], bool]:
    sweep_dirs = list(OrderedDict.fromkeys(r.sweep_dir for r in runs if r.sweep_dir is not None))
    sweep_dirs += [
        d.resolve() for d in dirs if (d / MULTIRUN_YAML).is_file() and d.resolve() not in sweep_dirs
    ]
    missing: list[list[str]] = []
    known = False
    for sweep_dir in sweep_dirs:
        jobs = expected_jobs(sweep_dir)
        if jobs is None:
            problems.append(
                f"{_display(sweep_dir)}: could not work out the expected jobs from {MULTIRUN_YAML}"
            )
            continue
        known = True
        present = {frozenset(r.overrides) for r in runs if r.sweep_dir == sweep_dir}
        missing.extend(job for job in jobs if frozenset(job) not in present)
    return missing, known


def _no_completed_message(runs: list[RunRecord], dirs: list[Path]) -> str:
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    first = next((r for r in runs if r.error), None)
    where = ", ".join(_display(d) for d in dirs)
    msg = f"no completed runs in {where} ({len(runs)} run dir(s): {parts})"
    if first is not None:
        msg += f"; first error, {_display(first.path)}: {first.error}"
    return msg


def _baseline_spec(
    baseline: Sequence[str] | None, runs: list[RunRecord], problems: list[str]
) -> tuple[dict[str, Any], bool]:
    if baseline:
        return parse_baseline(list(baseline)), True
    spec, notes = declared_baseline(runs)
    problems.extend(notes)
    return spec, False


def _find_baseline(
    variants: list[Variant],
    spec: dict[str, Any],
    explicit: bool,
    problems: list[str],
    ignore: tuple[str, ...],
) -> Variant | None:
    if not spec:
        problems.append(
            "no baseline declared (ablation.baseline) or given (--baseline key=value): no comparisons"
        )
        return None
    # Only variants with at least one run can be the baseline.
    matched = [v for v in variants if v.runs and matches_baseline(v, spec, ignore)]
    labels = ", ".join(v.label for v in variants)
    if len(matched) == 1:
        return matched[0]
    if not matched:
        msg = f"baseline {format_spec(spec)} matches no variant (variants: {labels})"
    else:
        msg = (
            f"baseline {format_spec(spec)} matches {len(matched)} variants "
            f"({', '.join(v.label for v in matched)}); give more key=value pairs to narrow it"
        )
    if explicit:
        raise BaselineError(msg)
    problems.append(msg + ": no comparisons")
    return None


def _dedupe(variants: list[Variant], problems: list[str]) -> dict[str, dict[int, RunRecord]]:
    """One usable run per (variant, seed): the latest finished if a seed was run twice."""
    chosen: dict[str, dict[int, RunRecord]] = {}
    for v in variants:
        by_seed: dict[int, list[RunRecord]] = {}
        for rec in v.runs:
            if not rec.usable:
                continue
            if rec.seed is None:
                problems.append(f"{_display(rec.path)}: completed run without a seed; skipped")
                continue
            by_seed.setdefault(rec.seed, []).append(rec)
        picked: dict[int, RunRecord] = {}
        for s, recs in sorted(by_seed.items()):
            recs.sort(key=lambda r: (r.ended_at, str(r.path)))
            picked[s] = recs[-1]
            if len(recs) > 1:
                problems.append(
                    f"{v.label} seed {s}: {len(recs)} completed runs "
                    f"({', '.join(_display(r.path) for r in recs)}); "
                    f"using the latest, {_display(recs[-1].path)}"
                )
        chosen[v.key] = picked
    return chosen


def _check_test_sets(chosen: dict[str, dict[int, RunRecord]], base: Variant | None) -> TestSet:
    """All runs to be ensembled or paired must share one test set; else refuse, naming the runs."""
    recs = [r for per in chosen.values() for r in per.values()]
    if base is not None and chosen.get(base.key):
        first = next(iter(chosen[base.key].values()))
        recs.remove(first)
        recs.insert(0, first)
    ref = recs[0]
    assert ref.test is not None
    odd = [
        (r, test_set_difference(ref.test, r.test))
        for r in recs[1:]
        if r.test is not None and r.test.fingerprint != ref.test.fingerprint
    ]
    if odd:
        other, why = odd[0]
        more = (
            f"; {len(odd) - 1} more run(s) differ too, e.g. {_display(odd[1][0].path)}"
            if len(odd) > 1
            else ""
        )
        raise TestSetMismatchError(
            f"test sets differ, refusing to ensemble or pair: {_display(other.path)} vs "
            f"{_display(ref.path)}: {why}{more}"
        )
    if ref.test.n_pos < 1 or ref.test.n_pos == ref.test.n:
        raise TestSetMismatchError(
            f"{_display(ref.path)}: the test set holds only one class; AUC is undefined"
        )
    return ref.test


def _per_run_rows(
    variants: list[Variant],
    chosen: dict[str, dict[int, RunRecord]],
    boot: StratifiedBootstrap,
    problems: list[str],
) -> dict[str, dict[int, dict[str, Any]]]:
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for v in variants:
        for s, rec in chosen.get(v.key, {}).items():
            assert rec.test is not None
            auc, ap = auc_auprc(rec.test.probs, rec.test.labels)
            b_auc, b_ap = boot.auc_auprc(rec.test.probs)
            row = {"auc": auc, "auprc": ap}
            row["auc_lo"], row["auc_hi"] = percentile_ci(b_auc)
            row["auprc_lo"], row["auprc_hi"] = percentile_ci(b_ap)
            test_metrics = (rec.metrics or {}).get("test") or {}
            for name, value in (("auc", auc), ("auprc", ap)):
                stated = test_metrics.get(name)
                if isinstance(stated, int | float) and abs(float(stated) - value) > _METRICS_TOL:
                    problems.append(
                        f"{_display(rec.path)}: metrics.json test {name} {stated:.6f} differs from "
                        f"predictions.csv ({value:.6f}); using predictions.csv"
                    )
            rows.setdefault(v.key, {})[s] = row
    return rows


def _run_rows_for(
    v: Variant, metrics: dict[int, dict[str, Any]], chosen: dict[int, RunRecord]
) -> list[dict[str, Any]]:
    out = []
    for rec in sorted(v.runs, key=lambda r: (r.seed if r.seed is not None else -1, str(r.path))):
        used = rec.seed is not None and chosen.get(rec.seed) is rec
        m = metrics.get(rec.seed, {}) if used and rec.seed is not None else {}
        valid = (rec.metrics or {}).get("valid") or {}
        wall = rec.info.get("wall_seconds") or {}
        out.append(
            {
                "variant": v.label,
                "seed": rec.seed,
                "status": rec.status,
                "used": used,
                "auc": m.get("auc", math.nan),
                "auc_lo": m.get("auc_lo", math.nan),
                "auc_hi": m.get("auc_hi", math.nan),
                "auprc": m.get("auprc", math.nan),
                "auprc_lo": m.get("auprc_lo", math.nan),
                "auprc_hi": m.get("auprc_hi", math.nan),
                "n_test": rec.test.n if rec.test is not None else math.nan,
                "n_pos": rec.test.n_pos if rec.test is not None else math.nan,
                "valid_auc": _num(valid.get("auc")),
                "valid_auprc": _num(valid.get("auprc")),
                "best_epoch": _num((rec.metrics or {}).get("best_epoch")),
                "epochs_run": _num((rec.metrics or {}).get("epochs_run")),
                "wall_seconds": _num(wall.get("total") if isinstance(wall, dict) else None),
                "error": rec.error or "",
                "run_dir": str(rec.path),
            }
        )
    return out


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _seed_of_job(job: list[str]) -> int | None:
    try:
        return int(overrides_dict(job)["seed"])
    except (KeyError, ValueError):
        return None


def _seed_list(seeds: set[int] | list[int]) -> str:
    return ",".join(str(s) for s in sorted(seeds))


def _coverage(
    variants: list[Variant],
    chosen: dict[str, dict[int, RunRecord]],
    all_seeds: list[int],
    have_expectations: bool,
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for v in variants:
        run_seeds = {r.seed for r in v.runs if r.seed is not None}
        missing = {s for s in (_seed_of_job(j) for j in v.missing_jobs) if s is not None}
        expected = run_seeds | missing
        if not have_expectations:
            expected |= set(all_seeds)
        completed = set(chosen.get(v.key, {}))
        by_status: dict[str, set[int]] = {FAILED: set(), INCOMPLETE: set(), CORRUPT: set()}
        errors = []
        for rec in sorted(v.runs, key=lambda r: r.seed if r.seed is not None else -1):
            if rec.status == COMPLETED or rec.seed in completed:
                continue
            by_status.setdefault(rec.status, set()).add(rec.seed if rec.seed is not None else -1)
            tag = "" if rec.status == FAILED else f" ({'skipped' if rec.status == CORRUPT else rec.status})"
            errors.append(f"seed {rec.seed}{tag}: {rec.error}")
        if not have_expectations:
            missing = expected - run_seeds
        out[v.key] = {
            "n_expected": len(expected),
            "n_completed": len(completed),
            "seeds_expected": _seed_list(expected),
            "seeds_completed": _seed_list(completed),
            "seeds_missing": _seed_list(missing - completed),
            "seeds_failed": _seed_list(by_status[FAILED]),
            "seeds_incomplete": _seed_list(by_status[INCOMPLETE]),
            "seeds_skipped": _seed_list(by_status[CORRUPT]),
            "errors": "; ".join(errors),
        }
    return out


def _ensemble_columns(ens: Ensemble, row: dict[str, Any]) -> dict[str, Any]:
    auc_lo, auc_hi = percentile_ci(ens.boot_auc)
    ap_lo, ap_hi = percentile_ci(ens.boot_auprc)
    return {
        "ens_k": len(ens.seeds),
        "ens_auc": ens.auc,
        "ens_auc_lo": auc_lo,
        "ens_auc_hi": auc_hi,
        "ens_auprc": ens.auprc,
        "ens_auprc_lo": ap_lo,
        "ens_auprc_hi": ap_hi,
        "ens_gain_auc": ens.auc - row["auc_mean"],
        "ens_gain_auprc": ens.auprc - row["auprc_mean"],
    }


def _comparisons(
    variants: list[Variant],
    base: Variant | None,
    chosen: dict[str, dict[int, RunRecord]],
    per_seed: dict[str, dict[int, tuple[float, float]]],
    ensembles: _Ensembles,
) -> pd.DataFrame:
    """Each variant against the baseline: paired t-tests over matching seeds, ensembles at equal K."""
    labels = ensembles.boot.labels
    if base is None:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    rows: list[dict[str, Any]] = []
    base_seeds = set(chosen.get(base.key, {}))
    for v in variants:
        if v is base:
            continue
        common = tuple(sorted(set(chosen.get(v.key, {})) & base_seeds))
        row: dict[str, Any] = {c: math.nan for c in COMPARISON_COLUMNS}
        row |= {
            "variant": v.label,
            "baseline": base.label,
            "k": len(common),
            "seeds": _seed_list(list(common)),
            "note": "",
        }
        if not common:
            row["note"] = "no seed completed by both this variant and the baseline"
            rows.append(row)
            continue
        for metric, idx in (("auc", 0), ("auprc", 1)):
            a = [per_seed[v.key][s][idx] for s in common]
            b = [per_seed[base.key][s][idx] for s in common]
            t = paired_ttest(a, b)
            row |= {
                f"delta_{metric}": t.delta.mean,
                f"delta_{metric}_sd": t.delta.sd,
                f"delta_{metric}_ci_lo": t.delta.ci_lo,
                f"delta_{metric}_ci_hi": t.delta.ci_hi,
                f"t_{metric}": t.t,
                f"p_{metric}": t.p_value,
            }
        if len(common) < 2:
            row["note"] = "one matching seed: no paired t-test"
        ens_v = ensembles.get(v, common)
        ens_b = ensembles.get(base, common)
        row["ens_auc"], row["ens_auc_base"] = ens_v.auc, ens_b.auc
        row["ens_delta_auc"] = ens_v.auc - ens_b.auc
        row["ens_delta_auc_lo"], row["ens_delta_auc_hi"] = percentile_ci(ens_v.boot_auc - ens_b.boot_auc)
        try:
            dl = delong_paired(labels, ens_v.probs, ens_b.probs)
            row |= {"delong_z": dl.z, "delong_var": dl.var, "p_delong": dl.p_value}
        except ValueError as exc:
            row["note"] = (row["note"] + "; " if row["note"] else "") + f"DeLong: {exc}"
        row["ens_auprc"], row["ens_auprc_base"] = ens_v.auprc, ens_b.auprc
        row["ens_delta_auprc"] = ens_v.auprc - ens_b.auprc
        row["ens_delta_auprc_lo"], row["ens_delta_auprc_hi"] = percentile_ci(
            ens_v.boot_auprc - ens_b.boot_auprc
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for col in ("p_auc", "p_auprc", "p_delong"):
        frame[f"{col}_holm"] = holm(frame[col].to_numpy(dtype=np.float64)) if len(frame) else []
    return frame


def _name(runs: list[RunRecord], dirs: list[Path]) -> str:
    names: list[str] = []
    for r in runs:
        ablation = (r.config or {}).get("ablation") or r.info.get("ablation") or {}
        name = ablation.get("name") if isinstance(ablation, dict) else None
        if name and str(name) not in names:
            names.append(str(name))
    return "+".join(names) if names else "+".join(d.resolve().name for d in dirs)


def _reference(runs: list[RunRecord]) -> dict[str, Any] | None:
    for r in runs:
        ref = (r.config or {}).get("reference")
        if isinstance(ref, dict) and any(v is not None for k, v in ref.items() if k != "label"):
            return dict(ref)
    return None

"""Each variant against the baseline over matching seeds: the primary Δ interval (seeds and test set),
equivalence and the verdict; the paired t-test and the ensembles at equal K as secondary columns; Holm."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np
import pandas as pd

from .bootstrap import percentile_ci
from .columns import COMPARISON_COLUMNS, METRICS, VERDICT_METRIC, mc_column
from .delong import delong_paired
from .ensembles import Ensemble, EnsembleCache
from .mc_error import percentile_ci_mc_error
from .metrics import auc_edge_eps
from .oof import OutOfFold
from .selection import Chosen
from .stat_tests import bounded_t_summary, paired_ttest
from .uncertainty import DeltaInterval, delta_interval, fold_delta_auc, sampling_variances_boot, seed_delta_auc
from .variant import Variant
from .verdict import (
    ALPHA,
    DEFAULT_MARGIN_AUC,
    assign_verdicts,
    ceiling_p,
    min_detectable_delta,
    seeds_needed,
    seeds_needed_range,
    tost_p,
)

# Per variant and seed: metric -> value on the test set.
PerSeed = dict[str, dict[int, dict[str, float]]]


def seed_list(seeds: set[int] | list[int] | tuple[int, ...]) -> str:
    return ",".join(str(s) for s in sorted(seeds))


def _add_note(row: dict[str, Any], note: str) -> None:
    row["note"] = f"{row['note']}; {note}" if row["note"] else note


def _seed_deltas(row: dict[str, Any], a: list[float], b: list[float], metric: str, eps: float) -> None:
    """Paired t-test on the raw differences; the interval on Fisher's z scale stays within [-1, 1]."""
    t = paired_ttest(a, b)
    ci = bounded_t_summary(np.subtract(a, b), -1.0, 1.0, eps=eps)
    row |= {
        f"delta_{metric}": t.delta.mean,
        f"delta_{metric}_sd": t.delta.sd,
        f"delta_{metric}_ci_lo": ci.ci_lo,
        f"delta_{metric}_ci_hi": ci.ci_hi,
        f"t_{metric}": t.t,
        f"p_{metric}": t.p_value,
    }


def primary_intervals(
    v: Variant, base: Variant, common: tuple[int, ...], ensembles: EnsembleCache
) -> dict[str, DeltaInterval]:
    """Per metric, the seed-mean Δ with both sources of uncertainty: the test-set variance from DeLong's
    components (AUC) or the paired stratified bootstrap (AUPRC), plus the seed variance beyond it."""
    labels = ensembles.boot.labels
    one = {w.key: [ensembles.get(w, (s,)) for s in common] for w in (v, base)}
    out: dict[str, DeltaInterval] = {}
    # fewer than two of a class: no DeLong components; the bootstrap variances stand in for them
    test = ensembles.chosen[base.key][common[0]].test
    with contextlib.suppress(ValueError):
        probs_v, probs_b = [e.probs for e in one[v.key]], [e.probs for e in one[base.key]]
        out["auc"] = (
            fold_delta_auc(labels, test.folds, probs_v, probs_b)
            if isinstance(test, OutOfFold)
            else seed_delta_auc(labels, probs_v, probs_b)
        )
    for m in METRICS:
        if m in out:
            continue
        deltas = [a.point[m] - b.point[m] for a, b in zip(one[v.key], one[base.key], strict=True)]
        var_avg, var_single = sampling_variances_boot(
            [e.boot[m] for e in one[v.key]], [e.boot[m] for e in one[base.key]]
        )
        out[m] = delta_interval(deltas, var_avg, var_single)
    return out


def _primary(row: dict[str, Any], intervals: dict[str, DeltaInterval], margin: float, alpha: float) -> None:
    for m, iv in intervals.items():
        d = f"delta_{m}"
        row |= {f"{d}_se": iv.se, f"{d}_df": iv.df, f"{d}_lo": iv.lo, f"{d}_hi": iv.hi, f"p_{d}": iv.p_value}
        if iv.clipped:
            _add_note(row, f"Δ{m.upper()} interval cut at the range [-1, 1]")
    iv = intervals[VERDICT_METRIC]
    m = VERDICT_METRIC
    row[f"p_tost_{m}"] = tost_p(iv.delta, iv.se, iv.df, margin)
    row[f"mdd_{m}"] = min_detectable_delta(iv.se, iv.df, alpha)
    row[f"seeds_needed_{m}"] = seeds_needed(iv, margin, alpha)
    row[f"seeds_needed_{m}_lo"], row[f"seeds_needed_{m}_hi"] = seeds_needed_range(iv, margin, alpha)
    row[f"p_ceiling_{m}"] = ceiling_p(iv.delta, iv.se, iv.df, margin)
    row[f"var_shared_{m}"] = iv.tau_common


def _ensemble_deltas(row: dict[str, Any], ens_v: Ensemble, ens_b: Ensemble, labels: np.ndarray) -> None:
    for m in METRICS:
        row[f"ens_{m}"], row[f"ens_{m}_base"] = ens_v.point[m], ens_b.point[m]
        row[f"ens_delta_{m}"] = ens_v.point[m] - ens_b.point[m]
        row[f"ens_delta_{m}_lo"], row[f"ens_delta_{m}_hi"] = percentile_ci(ens_v.boot[m] - ens_b.boot[m])
        row[mc_column(f"ens_delta_{m}")] = percentile_ci_mc_error(ens_v.boot[m] - ens_b.boot[m])
    try:
        dl = delong_paired(labels, ens_v.probs, ens_b.probs)
        row |= {"delong_z": dl.z, "delong_var": dl.var, "p_delong": dl.p_value}
    except ValueError as exc:
        _add_note(row, f"DeLong: {exc}")


def compare_to_baseline(
    variants: list[Variant],
    base: Variant | None,
    chosen: Chosen,
    per_seed: PerSeed,
    ensembles: EnsembleCache,
    margin_auc: float = DEFAULT_MARGIN_AUC,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """One row per non-baseline variant; Holm across the variants, once per test; each row's verdict."""
    if base is None:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    rows: list[dict[str, Any]] = []
    base_seeds = set(chosen.get(base.key, {}))
    for v in variants:
        if v is base:
            continue
        common = tuple(sorted(set(chosen.get(v.key, {})) & base_seeds))
        row: dict[str, Any] = {c: math.nan for c in COMPARISON_COLUMNS}
        row |= {"variant": v.label, "baseline": base.label, "k": len(common), "seeds": seed_list(common), "note": ""}
        row |= {"n_degenerate": 0, "collapsed": False}
        if not common:
            row["note"] = "no seed completed by both this variant and the baseline"
            rows.append(row)
            continue
        for m in METRICS:
            a = [per_seed[v.key][s][m] for s in common]
            b = [per_seed[base.key][s][m] for s in common]
            _seed_deltas(row, a, b, m, auc_edge_eps(ensembles.boot.labels))
        if len(common) < 2:
            row["note"] = "one matching seed: no paired t-test, no seed variance (not testable)"
        else:
            _primary(row, primary_intervals(v, base, common, ensembles), margin_auc, alpha)
        degenerate = [f"{w.label} seed {s}" for w in (v, base) for s in common if chosen[w.key][s].degenerate]
        row["n_degenerate"] = len(degenerate)
        # every matched seed of one arm constant: that arm never learned; the comparison is evidence of nothing
        row["collapsed"] = any(all(chosen[w.key][s].degenerate for s in common) for w in (v, base))
        if degenerate:
            _add_note(row, "includes degenerate run(s): " + ", ".join(degenerate))
        _ensemble_deltas(row, ensembles.get(v, common), ensembles.get(base, common), ensembles.boot.labels)
        rows.append(row)
    return assign_verdicts(pd.DataFrame(rows, columns=COMPARISON_COLUMNS), alpha)

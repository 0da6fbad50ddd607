"""Power of the verdict at equal numbers of trained models: one split × 15 seeds vs 5 folds × 3 seeds, and
the user's practice (one split × 5 seeds; also × 3 seeds for the far tail). Simulated predictions only.

A hemolysis-sized data set (5850 examples, 22% positive). Per sweep: a fresh population sample (example
difficulty x ~ N(0, 1), shared by every model), a baseline, 11 truly null routes and one route truly at
+0.02 AUC. A model's score is slope·label + x + r_recipe + noise; the slope varies from seed to seed (seed
sd of test AUC ≈ 0.014 on the 1170-example test set), ``r_recipe`` is the recipe-specific example effect
(scenario "recipe": drawn once per recipe and shared by all its seeds and folds; scenario "seeds": zero).
Fold models get their own score scale and offset (the fold-stratified AUC must not care). The single split
is a stratified 20% test set; the folds a stratified 5-fold partition of all examples.

Rates, with their Monte-Carlo standard error:
- coverage of the 95% interval (all 12 routes);
- P(p < 0.0045) per null route (the far tail; nominal 0.45%);
- false better/worse: share of sweeps with any false better/worse among the 11 null routes (Holm);
- equivalent at Δ = 0 (per null route, Holm-adjusted TOST within the 11);
- better at +0.02 (the true route among 10 null ones, Holm);
- the ceiling sentence (every route rejects H₀: Δ ≥ +margin, one-sided) with 11 null routes, and with the
  +0.02 route among 10 null ones (where it must not appear).

Run: ``python bench/bench_power.py [--reps 600]`` (about 5 minutes of CPU on one core at 600 repetitions).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import stats

from protsweep.aggregate.delong import structural_components
from protsweep.aggregate.stat_tests import holm
from protsweep.aggregate.uncertainty import DeltaInterval, _two_part_variances, delta_interval, fold_delta_auc
from protsweep.aggregate.verdict import ALPHA, DEFAULT_MARGIN_AUC, VerdictInputs, ceiling_p, tost_p, verdict

N, PREVALENCE, TEST_FRACTION, FOLDS = 5850, 0.22, 0.2, 5
BASE_AUC, TRUE_GAIN, SLOPE_SD, N_NULL = 0.83, 0.02, 0.08, 11
RECIPE_SD = {"seeds": 0.0, "recipe": 0.5}
DESIGNS = ("1 split × 3 seeds", "1 split × 5 seeds", "1 split × 15 seeds", "5 folds × 3 seeds")


def slopes_for(recipe_sd: float) -> tuple[float, float]:
    """Baseline slope (population AUC BASE_AUC) and the slope of a route truly TRUE_GAIN better: a model of
    slope B has population AUC Φ(B / sqrt(2 (2 + r²))); over seeds, E = Φ(b / sqrt(2 (2 + r²) + sd²))."""
    scale = math.sqrt(2 * (2 + recipe_sd**2) + SLOPE_SD**2)
    b0 = float(stats.norm.ppf(BASE_AUC)) * scale
    return b0, float(stats.norm.ppf(BASE_AUC + TRUE_GAIN)) * scale


def stratified_parts(y: np.ndarray, parts: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(y.size, dtype=int)
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == cls))
        out[idx] = np.arange(idx.size) % parts
    return out


class Sweep:
    """One simulated sweep: scores of every arm (baseline, null routes, the true route) in every design."""

    def __init__(self, rng: np.random.Generator, y: np.ndarray, folds: np.ndarray, test: np.ndarray, rsd: float):
        b0, b1 = slopes_for(rsd)
        x = rng.standard_normal(y.size)
        self.single: list[np.ndarray] = []  # per arm: 15 x n_test scores
        self.oof: list[np.ndarray] = []  # per arm: 3 x N out-of-fold scores
        for b in [b0] * (N_NULL + 1) + [b1]:
            base = x + rsd * rng.standard_normal(y.size)
            slopes = b + SLOPE_SD * rng.standard_normal(15)
            self.single.append(slopes[:, None] * y[test] + base[test] + rng.standard_normal((15, test.size)))
            oof = np.empty((3, y.size))
            for f in range(FOLDS):
                sel = folds == f
                fold_slopes = b + SLOPE_SD * rng.standard_normal(3)
                raw = fold_slopes[:, None] * y[sel] + base[sel] + rng.standard_normal((3, int(sel.sum())))
                oof[:, sel] = rng.uniform(0.5, 2.0) * raw + rng.normal(0.0, 1.0)
            self.oof.append(oof)


def intervals(sw: Sweep, y: np.ndarray, folds: np.ndarray, test: np.ndarray) -> dict[str, list[DeltaInterval]]:
    """Per design, the primary interval of every route (arms 1..12) against the baseline (arm 0)."""
    comps = [structural_components(y[test], s) for s in sw.single]
    out: dict[str, list[DeltaInterval]] = {}
    for design, k in zip(DESIGNS[:3], (3, 5, 15), strict=True):
        a0, v10_0, v01_0 = (c[:k] for c in comps[0])
        rows = []
        for a, v10, v01 in comps[1:]:
            var_avg, var_single = _two_part_variances(v10[:k] - v10_0, v01[:k] - v01_0)
            rows.append(delta_interval(a[:k] - a0, var_avg, var_single))
        out[design] = rows
    out[DESIGNS[3]] = [fold_delta_auc(y, folds, o, sw.oof[0]) for o in sw.oof[1:]]
    return out


def tally(rows: list[DeltaInterval], margin: float, acc: dict[str, list[float]]) -> None:
    truth = [0.0] * N_NULL + [TRUE_GAIN]
    acc["coverage"] += [iv.lo <= t <= iv.hi for iv, t in zip(rows, truth, strict=True)]
    null = rows[:N_NULL]
    acc["tail"] += [iv.p_value < 0.0045 for iv in null]
    for name, family in (("null", null), ("true", [rows[N_NULL], *null[:-1]])):
        p = holm(np.array([iv.p_value for iv in family]))
        q = holm(np.array([tost_p(iv.delta, iv.se, iv.df, margin) for iv in family]))
        v = [verdict(VerdictInputs(iv.delta, pp, qq)) for iv, pp, qq in zip(family, p, q, strict=True)]
        ceiling = all(ceiling_p(iv.delta, iv.se, iv.df, margin) < ALPHA for iv in family)
        if name == "null":
            acc["false"].append(any(x in ("better", "worse") for x in v))
            acc["equivalent"] += [x == "equivalent" for x in v]
            acc["ceiling 11 null"].append(ceiling)
        else:
            acc["better +0.02"].append(v[0] == "better")
            acc["ceiling, one at +0.02"].append(ceiling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    y = (rng.random(N) < PREVALENCE).astype(int)
    folds = stratified_parts(y, FOLDS, rng)
    test = np.flatnonzero(stratified_parts(y, round(1 / TEST_FRACTION), rng) == 0)
    print(f"N = {N} ({int(y.sum())} positive); single split: test n = {test.size} ({int(y[test].sum())} positive); "
          f"{args.reps} sweeps per scenario; margin ±{DEFAULT_MARGIN_AUC}, α = {ALPHA}")
    rates = ("coverage", "tail", "false", "equivalent", "better +0.02", "ceiling 11 null", "ceiling, one at +0.02")
    print("| scenario | design | " + " | ".join(rates) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in rates) + " |")
    for scenario, rsd in RECIPE_SD.items():
        start = time.perf_counter()
        acc = {d: {r: [] for r in rates} for d in DESIGNS}
        seed_sd = []
        for _ in range(args.reps):
            sw = Sweep(rng, y, folds, test, rsd)
            seed_sd.append(float(structural_components(y[test], sw.single[0])[0].std(ddof=1)))
            for design, rows in intervals(sw, y, folds, test).items():
                tally(rows, DEFAULT_MARGIN_AUC, acc[design])
        for design in DESIGNS:
            cells = []
            for r in rates:
                v = np.asarray(acc[design][r], dtype=float)
                cells.append(f"{100 * v.mean():.1f}% ± {100 * math.sqrt(v.mean() * (1 - v.mean()) / v.size):.1f}")
            print(f"| {scenario} | {design} | " + " | ".join(cells) + " |")
        print(f"<!-- {scenario}: seed sd of the baseline's test AUC {np.mean(seed_sd):.4f}; "
              f"{time.perf_counter() - start:.0f} s -->")


if __name__ == "__main__":
    main()

"""The false better/worse rate of one cell of ``bench_power.py`` with many more sweeps: is a rate just above 5%
there Monte-Carlo error or real? Same simulation (hemolysis-sized, 11 truly null routes against one baseline,
Holm), only the null routes of one design are analysed, so each sweep costs a fraction of a full one.

Run: ``python bench/bench_power_fwer.py --scenario seeds --design single --reps 2000 --seed 11`` and
``--scenario recipe --design cv --seed 12`` (each about 4 minutes of CPU on one core at 2000 sweeps).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from bench_power import FOLDS, N_NULL, PREVALENCE, RECIPE_SD, TEST_FRACTION, N, Sweep, stratified_parts

from protsweep.aggregate.delong import structural_components
from protsweep.aggregate.stat_tests import holm
from protsweep.aggregate.uncertainty import DeltaInterval, _two_part_variances, delta_interval, fold_delta_auc
from protsweep.aggregate.verdict import ALPHA

DESIGN_NAMES = {"single": "1 split × 15 seeds", "cv": f"{FOLDS} folds × 3 seeds"}


def null_intervals(sw: Sweep, design: str, y: np.ndarray, folds: np.ndarray, test: np.ndarray) -> list[DeltaInterval]:
    if design == "cv":
        return [fold_delta_auc(y, folds, o, sw.oof[0]) for o in sw.oof[1 : N_NULL + 1]]
    comps = [structural_components(y[test], s) for s in sw.single[: N_NULL + 1]]
    a0, v10_0, v01_0 = comps[0]
    return [delta_interval(a - a0, *_two_part_variances(v10 - v10_0, v01 - v01_0)) for a, v10, v01 in comps[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(RECIPE_SD), default="seeds")
    parser.add_argument("--design", choices=sorted(DESIGN_NAMES), default="single")
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    y = (rng.random(N) < PREVALENCE).astype(int)
    folds = stratified_parts(y, FOLDS, rng)
    test = np.flatnonzero(stratified_parts(y, round(1 / TEST_FRACTION), rng) == 0)
    false = []
    for _ in range(args.reps):
        rows = null_intervals(Sweep(rng, y, folds, test, RECIPE_SD[args.scenario]), args.design, y, folds, test)
        false.append(bool((holm(np.array([iv.p_value for iv in rows])) < ALPHA).any()))
    rate = float(np.mean(false))
    mc_error = math.sqrt(rate * (1 - rate) / args.reps)
    print(f"{args.scenario}, {DESIGN_NAMES[args.design]}: false better/worse among {N_NULL} null routes under Holm "
          f"{100 * rate:.2f}% ± {100 * mc_error:.2f} ({args.reps} sweeps, seed {args.seed})")


if __name__ == "__main__":
    main()

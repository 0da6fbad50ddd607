"""Benchmark the aggregator: 100 synthetic runs x 2000 test examples x 2000 bootstrap resamples.

    PYTHONPATH=src python bench/bench_aggregate.py [--runs 100] [--n 2000] [--n-boot 2000]

Writes the run records into a temporary sweep directory (not timed), then times
``aggregate()`` (loading + all statistics) and ``write_results()`` (tables + plots) separately.
Prints figures only; the target (README) is aggregate() <= 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from protsweep.aggregate import aggregate, write_results


def write_records(root: Path, n_runs: int, n_test: int, seeds: int) -> Path:
    sweep = root / "outputs" / "sweeps" / "bench" / "ts"
    variants = [f"v{i:02d}" for i in range(n_runs // seeds)]
    sweep.mkdir(parents=True)
    task = [f"head={','.join(variants)}", f"seed={','.join(str(s) for s in range(seeds))}"]
    (sweep / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {"overrides": {"task": task}}}))
    rng = np.random.default_rng(0)
    y = (rng.random(n_test) < 0.12).astype(int)
    shared = rng.normal(size=n_test)
    ids = [f"id{i:06d}" for i in range(n_test)]
    for vi, variant in enumerate(variants):
        for seed in range(seeds):
            run = sweep / f"head={variant},seed={seed}"
            (run / ".hydra").mkdir(parents=True)
            cfg = {
                "head": {"name": variant},
                "seed": seed,
                "ablation": {"name": "bench", "baseline": {"head": "v00"}},
            }
            (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(cfg))
            (run / ".hydra" / "overrides.yaml").write_text(
                yaml.safe_dump([f"head={variant}", f"seed={seed}"])
            )
            (run / ".hydra" / "hydra.yaml").write_text(
                yaml.safe_dump({"hydra": {"runtime": {"choices": {"head": variant}}}})
            )
            z = (
                (1.5 + 0.02 * vi) * y
                + shared
                + 0.7 * np.random.default_rng(1000 * vi + seed).normal(size=n_test)
            )
            p = 1.0 / (1.0 + np.exp(-z))
            lines = ["split,id,sequence,label,prob"]
            lines += [f"test,{ids[i]},ACDE,{y[i]},{p[i]:.8f}" for i in range(n_test)]
            (run / "predictions.csv").write_text("\n".join(lines) + "\n")
            (run / "metrics.json").write_text(json.dumps({"test": {}, "valid": {}}))
            (run / "run.json").write_text(json.dumps({"status": "completed", "seed": seed}))
    return sweep


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--n", type=int, default=2000, help="test examples per run")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sweep = write_records(Path(tmp), args.runs, args.n, args.seeds)
        t_write_records = time.perf_counter() - t0

        t0 = time.perf_counter()
        res = aggregate([sweep], n_boot=args.n_boot, seed=0)
        t_aggregate = time.perf_counter() - t0

        t0 = time.perf_counter()
        write_results(res, plots=False)
        t_tables = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_results(res, plots=True)
        t_all = time.perf_counter() - t0

    print(f"machine: {os.cpu_count()} CPU(s)")
    print(
        f"setup: {args.runs} runs ({args.runs // args.seeds} variants x {args.seeds} seeds), "
        f"{args.n} test examples, {args.n_boot} resamples; "
        f"records written in {t_write_records:.1f} s (untimed)"
    )
    print(f"aggregate() [load + per-run CIs + ensembles + paired tests]: {t_aggregate:.2f} s")
    print(f"write_results() tables only: {t_tables:.2f} s; tables + forest.png + roc_pr.png: {t_all:.2f} s")
    print(f"comparisons: {len(res.comparisons)}; bootstrap resamples per run: {res.n_boot}")


if __name__ == "__main__":
    main()

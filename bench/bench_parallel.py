"""The same tiny ProteinBERT sweep (4 seeds) run one job after another with the basic launcher, then with
``hydra/launcher=local_parallel`` at ``n_jobs=2``: both wall times, the speed-up, and whether every job's
predictions are identical.

    python bench/bench_parallel.py [--jobs 4] [--n-jobs 2] [--limit 2400] [--epochs 12] [--epochs-full 8] [--out F]

Run it on an otherwise idle machine. Each job of the parallel sweep gets ``cores // n_jobs`` threads
(``resources.threads=auto``). TensorFlow's results depend on its thread count, so by default the sequential
sweep runs at that same count (``--sequential-threads same``), which makes identical predictions the expected
outcome; ``--sequential-threads default`` times the sequential sweep at TensorFlow's defaults instead (all
cores per job: the faster sequential baseline, but predictions may then differ in the last digits).
Aggregation is switched off in both sweeps, so the times are the launch and the jobs alone.

Each parallel job runs in a fresh Python process, so it pays the imports the sequential sweep pays once:
measured on 2 shared cores, about 3 s before TensorFlow (pandas, scikit-learn, Hydra) plus 4.5-5 s for
TensorFlow, and about 3 s more per worker. With ~8 s of fixed start-up per sweep, the speed-up at n_jobs=2 is
(13 + 4T) / (27 + 2T) for 4 jobs of T seconds of work each: it reaches 1.6x at T of about 40 s. The defaults
(2400 rows, up to 12 frozen + 8 full epochs of the tiny model: jobs of about 44 s) aim at that length.
Measured on the idle 2-core machine (2026-11-22): sequential 183.9 s, local_parallel 115.2 s, 1.60x, identical
predictions; at 1200 rows / 6 frozen epochs (jobs of 14 s) 1.22x, and at --limit 64 --epochs 1 about 1.0x,
as the formula says.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


Sweep = tuple[float, float, dict[int, pd.DataFrame]]  # wall, mean job time (run.json), predictions by seed


def sweep(work: Path, name: str, args: argparse.Namespace, extra: list[str]) -> Sweep:
    sweep_dir = work / name
    command = [
        sys.executable, "-m", "protsweep", "-m", "model=proteinbert_tiny", f"trainer.epochs_frozen={args.epochs}",
        f"trainer.epochs_full={args.epochs_full}", "trainer.batch_size=16", f"data.limit={args.limit}",
        f"seed=range({args.jobs})",
        "progress=never", "hydra/job_logging=disabled", "+hydra.callbacks.aggregate.enabled=false",
        f"hydra.sweep.dir={sweep_dir}", *extra,
    ]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=work, env={**os.environ, "USE_TF": "0"}, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{name} sweep failed:\n{done.stderr[-4000:]}")
    predictions, job_s = {}, []
    for run_json in sorted(sweep_dir.glob("*/run.json")):
        run = json.loads(run_json.read_text())
        predictions[int(run["seed"])] = pd.read_csv(run_json.parent / "predictions.csv")
        job_s.append(run["wall_seconds"]["total"])
    return wall, sum(job_s) / len(job_s), predictions


def identical(a: dict[int, pd.DataFrame], b: dict[int, pd.DataFrame]) -> bool:
    return a.keys() == b.keys() and all(a[seed].equals(b[seed]) for seed in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=4, help="seeds in the sweep (one job each)")
    parser.add_argument("--n-jobs", type=int, default=2, help="local_parallel workers")
    parser.add_argument("--limit", type=int, default=2400, help="data.limit (amp_modlamp rows)")
    parser.add_argument("--epochs", type=int, default=12, help="trainer.epochs_frozen (early stopping may end sooner)")
    parser.add_argument("--epochs-full", type=int, default=8, help="trainer.epochs_full (the all-trainable stage)")
    parser.add_argument("--sequential-threads", choices=("same", "default"), default="same")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0))
    threads = max(1, cores // args.n_jobs)
    sequential_extra = [f"resources.threads={threads}"] if args.sequential_threads == "same" else []
    parallel_extra = ["hydra/launcher=local_parallel", f"hydra.launcher.n_jobs={args.n_jobs}"]
    with tempfile.TemporaryDirectory(prefix="protsweep-bench-") as tmp:
        work = Path(tmp)
        seq_wall, seq_job, seq_pred = sweep(work, "sequential", args, sequential_extra)
        par_wall, par_job, par_pred = sweep(work, "parallel", args, parallel_extra)

    seq_threads = threads if args.sequential_threads == "same" else "TF default"
    result = {
        "jobs": args.jobs,
        "cores": cores,
        "n_jobs": args.n_jobs,
        "threads_per_parallel_job": threads,
        "sequential_threads": seq_threads,
        "data_limit": args.limit,
        "epochs": args.epochs,
        "sequential_wall_s": round(seq_wall, 1),
        "parallel_wall_s": round(par_wall, 1),
        "sequential_job_s": round(seq_job, 1),
        "parallel_job_s": round(par_job, 1),
        "speedup": round(seq_wall / par_wall, 2),
        "identical_predictions": identical(seq_pred, par_pred),
    }
    print(
        f"{args.jobs}-job sweep, model=proteinbert_tiny data.limit={args.limit} trainer.epochs_frozen={args.epochs} "
        f"trainer.epochs_full={args.epochs_full}, "
        f"{cores} cores"
    )
    print("| launcher | threads per job | sweep wall (s) | mean job, run.json total (s) |")
    print("| --- | ---: | ---: | ---: |")
    rows = [
        ("basic (one job after another)", seq_threads, "sequential"),
        (f"local_parallel, n_jobs={args.n_jobs}", threads, "parallel"),
    ]
    for label, per_job, key in rows:
        print(f"| {label} | {per_job} | {result[f'{key}_wall_s']} | {result[f'{key}_job_s']} |")
    print(f"\nspeed-up: {result['speedup']}x; identical predictions: {result['identical_predictions']}")
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

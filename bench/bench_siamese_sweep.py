"""A 2 x 3 Siamese sweep (shared vs separate encoders x seeds 0-2) on a Guo yeast PPI subset with
``esmc_tiny``: wall time with a cold embedding cache, then the same sweep again (a new sweep directory)
with the cache warm.

    python bench/bench_siamese_sweep.py [--limit 300] [--epochs 2] [--out bench_sweep.json]

It runs ``protsweep sweep=siamese_arch`` twice as a subprocess (the command users run), with the cache in a
fresh temporary folder, and reads each job's run.json for the embedding stage and the forward passes.
Needs ``../shared/data/guo_yeast_ppi`` (the benchmark data; never copied into the project).
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

ROOT = Path(__file__).resolve().parents[1]


def sweep(work: Path, name: str, cache: Path, args: argparse.Namespace) -> dict:
    sweep_dir = work / name
    command = [
        sys.executable, "-m", "protsweep", "sweep=siamese_arch", "hydra.sweeper.params.seed='range(3)'",
        "embedder=esmc_tiny", "embedder.progress=false", "data=guo_yeast_ppi", f"data.limit={args.limit}",
        f"paths.shared_data={args.shared_data}", f"paths.cache_dir={cache}", f"hydra.sweep.dir={sweep_dir}",
        f"trainer.epochs={args.epochs}", f"model.encoder.d_model={args.d_model}", "hydra/job_logging=disabled",
        "+hydra.callbacks.aggregate.plots=false",
    ]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=work, env={**os.environ, "USE_TF": "0"}, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{name} sweep failed:\n{done.stderr[-4000:]}")
    runs = [json.loads(p.read_text()) for p in sorted(sweep_dir.glob("*/run.json"))]
    return {
        "wall_s": round(wall, 1),
        "jobs": len(runs),
        "embed_s": round(sum(r["wall_seconds"].get("embed", 0.0) for r in runs), 2),
        "train_s": round(sum(r["wall_seconds"].get("train", 0.0) for r in runs), 2),
        "jobs_total_s": round(sum(r["wall_seconds"]["total"] for r in runs), 2),
        "forward_passes": sum(r["embedder"]["forward_passes"] for r in runs),
        "sequences_embedded": sum(r["embedder"]["embedded"] for r in runs),
        "unique_sequences_per_job": runs[0]["embedder"]["unique_sequences"],
        "pairs_per_job": sum(s["n"] for s in runs[0]["data"]["splits"].values()),
        "test_auc": sorted(round(r_auc, 3) for r_auc in _aucs(sweep_dir)),
    }


def _aucs(sweep_dir: Path) -> list[float]:
    return [json.loads(p.read_text())["test"]["auc"] for p in sweep_dir.glob("*/metrics.json")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=300, help="pairs drawn from Guo yeast (before the cold split)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--shared-data", default=str((ROOT / ".." / "shared" / "data").resolve()))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="protsweep-bench-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        cold = sweep(work, "cold", cache, args)
        warm = sweep(work, "warm", cache, args)
    print(
        f"siamese_arch 2 x 3 (siamese, pseudo_siamese x seeds 0-2), esmc_tiny, guo_yeast_ppi data.limit={args.limit} "
        f"(cold split: {cold['pairs_per_job']} pairs, {cold['unique_sequences_per_job']} proteins per job), "
        f"trainer.epochs={args.epochs}, model.encoder.d_model={args.d_model}"
    )
    print("| cache | sweep wall (s) | embed stage, 6 jobs (s) | train stage (s) | ESM C forward passes | embedded |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in (("cold", cold), ("warm", warm)):
        print(
            f"| {name} | {r['wall_s']} | {r['embed_s']} | {r['train_s']} | {r['forward_passes']} "
            f"| {r['sequences_embedded']} |"
        )
    print(f"warm / cold wall: {warm['wall_s'] / cold['wall_s']:.2f}; test AUCs cold {cold['test_auc']}")
    if args.out:
        args.out.write_text(json.dumps({"cold": cold, "warm": warm, "args": vars(args)}, indent=2, default=str))


if __name__ == "__main__":
    main()

"""Peak memory of Siamese training at ESM C's 2048 context (issue 13), in one run, each arm a fresh ``protsweep``
process timed by ``/usr/bin/time``:
- whole batches, attention dropout 0.1 (the first defaults: ``trainer.max_attention_cells=null``);
- batches in parts within the attention-cell budget, attention dropout 0.1 (the defaults before the token budget);
- now: attention dropout 0 (torch's fused attention kernel, memory linear in the length) and batches in parts
  within ``trainer.max_batch_tokens`` as well.

The pairs are generated: proteins of ``--min-len``..``--max-len`` random residues, random labels (memory and time
only; nothing is learnt). Embeddings come from ``esmc_tiny`` (random init, as every run here), filled once into a
shared cache before the arms, so both arms read the same cache. The process baseline is the peak of a run whose
proteins are all short (at most 64 residues), where no batch is split.

    python bench/bench_siamese_memory.py [--pairs 48] [--max-len 2048] [--batch-size 16]

``--guo DIR`` instead trains on all of Guo's yeast PPI (``data=guo_yeast_ppi`` read from DIR, the shared data
folder; its cold split, default batch sizes) with the default budget, the issue's own case: peak RSS above the
short-protein baseline; with ``--guo-before`` also the former defaults (attention dropout 0.1, which keeps every
L x L attention map for the backward pass).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OLD_ATTENTION = ["model.encoder.attention_dropout=0.1", "model.cross_attention.attention_dropout=0.1"]
NOW = "attention dropout 0, token + cell budgets (now)"
ARMS = {
    "whole batches, attention dropout 0.1 (first)": [*OLD_ATTENTION, "trainer.max_attention_cells=null",
                                                     "trainer.max_batch_tokens=null"],
    "cell budget, attention dropout 0.1 (before)": [*OLD_ATTENTION, "trainer.max_batch_tokens=null"],
    NOW: [],
}
AMINO = list("ACDEFGHIKLMNPQRSTVWY")


def write_pairs(path: Path, n_pairs: int, min_len: int, max_len: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    proteins = ["".join(rng.choice(AMINO, size=int(n))) for n in rng.integers(min_len, max_len + 1, n_pairs)]
    order = rng.permutation(n_pairs)
    frame = pd.DataFrame({"seq_a": proteins, "seq_b": [proteins[i] for i in order],
                          "label": rng.integers(0, 2, n_pairs)})
    frame = frame[frame["seq_a"] != frame["seq_b"]]
    frame.to_csv(path, index=False)
    return path


def run(pairs: Path | None, work: Path, name: str, args: argparse.Namespace, extra: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one protsweep run (``pairs=None``: the data come from ``extra``)."""
    sizes = [f"trainer.batch_size={args.batch_size}", f"trainer.eval_batch_size={args.batch_size}"]
    data = [] if pairs is None else ["data=pairs_csv", f"data.source.path={pairs}", *sizes]
    command = [
        "/usr/bin/time", "-f", "MAXRSS %M", sys.executable, "-m", "protsweep", "model=siamese", "embedder=esmc_tiny",
        "embedder.progress=false", *data, "trainer.epochs=1", "progress=never",
        f"paths.cache_dir={work / 'cache'}", f"hydra.run.dir={work / name}", "save_model=false", "reuse.enabled=false",
        *extra,
    ]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(command, cwd=work, env={**os.environ, "USE_TF": "0"}, capture_output=True, text=True)
    wall = time.perf_counter() - began
    found = re.findall(r"MAXRSS (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"{name} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return int(found[-1]) / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=48)
    parser.add_argument("--min-len", type=int, default=1024)
    parser.add_argument("--max-len", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--guo", type=Path, default=None, help="the shared data folder: train on all of Guo")
    parser.add_argument("--guo-before", action="store_true", help="with --guo: also the former attention dropout")
    args = parser.parse_args()
    if args.guo is not None:
        guo(args)
        return
    with tempfile.TemporaryDirectory(prefix="protsweep-bench-") as tmp:
        work = Path(tmp)
        long_pairs = write_pairs(work / "long.csv", args.pairs, args.min_len, args.max_len)
        short_pairs = write_pairs(work / "short.csv", args.pairs, 16, 64)
        baseline, _ = run(short_pairs, work, "baseline", args, [])
        run(long_pairs, work, "warm-cache", args, [])  # fills the embedding cache for both arms
        results = {name: run(long_pairs, work, f"arm-{i}", args, extra) for i, (name, extra) in enumerate(ARMS.items())}
    print(f"{args.pairs} pairs of {args.min_len}-{args.max_len} residues, esmc_tiny, batch {args.batch_size}, "
          "1 epoch + predict")
    print("| arm | peak RSS (MB) | above the short-protein baseline (MB) | wall (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, (peak, wall) in results.items():
        print(f"| {name} | {peak:.0f} | {peak - baseline:.0f} | {wall:.1f} |")
    now = results[NOW][0] - baseline
    ratios = ", ".join(f"{(peak - baseline) / max(now, 1):.1f}x vs {name}" for name, (peak, _) in results.items()
                       if name != NOW)
    print(f"\nbaseline peak {baseline:.0f} MB; memory above the baseline now: {ratios}")


def guo(args: argparse.Namespace) -> None:
    """All of Guo with the defaults (and the former attention dropout with --guo-before), above the short baseline."""
    data = ["data=guo_yeast_ppi", f"paths.shared_data={args.guo.resolve()}"]
    with tempfile.TemporaryDirectory(prefix="protsweep-bench-") as tmp:
        work = Path(tmp)
        baseline, _ = run(write_pairs(work / "short.csv", args.pairs, 16, 64), work, "baseline", args, [])
        arms: dict[str, list[str]] = {NOW: []}
        if args.guo_before:
            arms["attention dropout 0.1, cell budget only (before)"] = [*OLD_ATTENTION, "trainer.max_batch_tokens=null"]
        embed = [sys.executable, "-m", "protsweep.siamese.embed_cli", *data, "embedder=esmc_tiny",
                 "embedder.progress=false", f"paths.cache_dir={work / 'cache'}"]
        subprocess.run(embed, cwd=work, env={**os.environ, "USE_TF": "0"}, check=True, capture_output=True)
        results = {name: run(None, work, f"guo-{i}", args, [*data, *extra])
                   for i, (name, extra) in enumerate(arms.items())}
    print("all of Guo yeast PPI (cold split), esmc_tiny at max_len 2048, default batch sizes, 1 epoch + predict")
    print("| arm | peak RSS (MB) | above the short-protein baseline (MB) | wall (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, (peak, wall) in results.items():
        print(f"| {name} | {peak:.0f} | {peak - baseline:.0f} | {wall:.1f} |")
    print(f"\nbaseline peak {baseline:.0f} MB (goal: < 1024 MB above it)")


if __name__ == "__main__":
    main()

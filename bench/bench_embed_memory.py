"""Resident memory of Siamese training inputs on a whole data set (issue 13: < 1 GB above the process baseline
on all of Guo with esmc_tiny), before (every embedding held as an fp16 tensor, as runs did) and after (read
from the cache per batch).

Fill the cache (protsweep's embedder; a warm cache is reused), then each arm in a fresh process:
- eager (before): every embedding loaded into a dict of fp16 tensors, then one pass over every training batch;
- lazy (now): ``ensure_embeddings`` + the same pass, batches read from the cache as a run does.
Each figure is that process's peak RSS (``ru_maxrss``) minus its RSS after imports and data loading.

    python bench/bench_embed_memory.py --shared-data ../shared/data                # Guo, esmc_tiny
    python bench/bench_embed_memory.py --shared-data ../shared/data --embedder esmc_300m
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch
from hydra import compose, initialize_config_dir

from protsweep.config_store import register_schemas
from protsweep.data.pairs.dataset import load_pair_data
from protsweep.siamese.embed.cache import EmbeddingCache
from protsweep.siamese.embed.service import ensure_embeddings
from protsweep.siamese.train.batches import PairTensors, as_tensors

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_epoch(pairs: PairTensors, batch_size: int) -> int:
    n = 0
    for batch in pairs.shuffled(batch_size, torch.Generator().manual_seed(0), torch.device("cpu")):
        n += batch.xa.shape[0]
    return n


def measure(arm: str, cfg: Any, data: Any, sequences: list[str]) -> None:
    """One arm in a fresh process: peak RSS above the RSS after imports and data loading."""
    gc.collect()
    baseline = rss_mb()
    embeddings = ensure_embeddings(sequences, cfg.embedder)  # a warm cache: verifies every entry
    if arm == "eager":  # before: every embedding held as an fp16 tensor
        cache = EmbeddingCache(cfg.embedder.cache_dir, embeddings.identity)
        tensors = as_tensors({seq: cache.load(seq) for seq in sequences})
    else:
        tensors = as_tensors(embeddings.vectors)
    n = one_epoch(PairTensors(data.split("train"), tensors), int(cfg.trainer.batch_size))
    print(json.dumps({"arm": arm, "baseline": baseline, "peak": peak_mb(), "pairs": n}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", required=True, help="the folder holding guo_yeast_ppi/")
    parser.add_argument("--data", default="guo_yeast_ppi")
    parser.add_argument("--embedder", default="esmc_tiny")
    parser.add_argument("--cache-dir", default="outputs/cache", help="paths.cache_dir (reused between runs)")
    parser.add_argument("--arm", choices=("lazy", "eager"), help=argparse.SUPPRESS)  # internal: one arm
    args = parser.parse_args()
    register_schemas()
    with initialize_config_dir(str(REPO / "conf"), version_base=None):
        cfg = compose("config", overrides=[
            "model=siamese", f"data={args.data}", f"embedder={args.embedder}", "data.split=random",
            "embedder.progress=false", f"paths.shared_data={Path(args.shared_data).resolve()}",
            f"paths.cache_dir={Path(args.cache_dir).resolve()}",
        ])
    data = load_pair_data(cfg.data)
    sequences = data.unique_sequences()
    if args.arm:
        measure(args.arm, cfg, data, sequences)
        return
    start = time.perf_counter()
    ensure_embeddings(sequences, cfg.embedder)  # fill the cache (not measured: the embedder's own memory)
    print(f"{args.data}: {len(sequences)} sequences, cache ready in {time.perf_counter() - start:.0f} s", flush=True)
    rows = {}
    for arm in ("eager", "lazy"):
        done = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--arm", arm], capture_output=True, text=True,
                              check=True)
        rows[arm] = json.loads(done.stdout.strip().splitlines()[-1])
    for arm, label in (("eager", "before (all held as fp16 tensors)"), ("lazy", "after (read per batch)")):
        row = rows[arm]
        print(f"{label}: peak RSS {row['peak']:.0f} MB, +{row['peak'] - row['baseline']:.0f} MB above the process "
              f"baseline ({row['baseline']:.0f} MB), one epoch over {row['pairs']} training pairs")
    eager, lazy = (rows[a]["peak"] - rows[a]["baseline"] for a in ("eager", "lazy"))
    print(f"peak above baseline: before/after = {eager / max(lazy, 1):.1f}x (goal: after < 1024 MB)")


if __name__ == "__main__":
    main()

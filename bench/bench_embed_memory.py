"""Resident memory of Siamese training inputs on a whole data set (issue 13: < 1 GB above the process baseline
on all of Guo with esmc_tiny), before (every embedding held as an fp16 tensor, as runs did) and after (read
from the cache per batch).

Steps, in one process: fill the cache (protsweep's embedder; a warm cache is reused), then
1. lazy (now): ``ensure_embeddings`` + one pass over every training batch, as a run does;
2. eager (before): every embedding loaded into a dict of fp16 tensors, then the same pass.
The peak RSS (``ru_maxrss``) only grows, so the lazy arm runs first; each figure is the peak minus the RSS
measured after imports (the process baseline).

    python bench/bench_embed_memory.py --shared-data ../shared/data                # Guo, esmc_tiny
    python bench/bench_embed_memory.py --shared-data ../shared/data --embedder esmc_300m
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir

from protsweep.data.pairs.dataset import load_pair_data
from protsweep.schema import register_schemas
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", required=True, help="the folder holding guo_yeast_ppi/")
    parser.add_argument("--data", default="guo_yeast_ppi")
    parser.add_argument("--embedder", default="esmc_tiny")
    parser.add_argument("--cache-dir", default="outputs/cache", help="paths.cache_dir (reused between runs)")
    args = parser.parse_args()
    register_schemas()
    with initialize_config_dir(str(REPO / "conf"), version_base=None):
        cfg = compose("config", overrides=[
            "model=siamese", f"data={args.data}", f"embedder={args.embedder}", "data.split=random",
            f"paths.shared_data={Path(args.shared_data).resolve()}",
            f"paths.cache_dir={Path(args.cache_dir).resolve()}",
        ])
    data = load_pair_data(cfg.data)
    sequences = data.unique_sequences()
    start = time.perf_counter()
    ensure_embeddings(sequences, cfg.embedder)  # fill the cache (not measured: the embedder's own memory)
    print(f"{args.data}: {len(sequences)} sequences, cache ready in {time.perf_counter() - start:.0f} s", flush=True)
    del start

    # the measurement starts from a process that has imported everything and holds no embedding
    gc.collect()
    baseline = rss_mb()
    peak_before = peak_mb()
    embeddings = ensure_embeddings(sequences, cfg.embedder)
    lazy = as_tensors(embeddings.vectors)
    n = one_epoch(PairTensors(data.split("train"), lazy), int(cfg.trainer.batch_size))
    lazy_peak = max(peak_mb(), baseline)
    print(f"baseline RSS {baseline:.0f} MB (peak so far {peak_before:.0f} MB, from filling the cache)")
    print(f"after (lazy, read per batch): peak {lazy_peak:.0f} MB, +{lazy_peak - max(baseline, peak_before):.0f} MB "
          f"above the earlier peak at most; RSS now {rss_mb():.0f} MB (+{rss_mb() - baseline:.0f}), {n} training pairs")

    cache = EmbeddingCache(cfg.embedder.cache_dir, embeddings.identity)
    eager = as_tensors({seq: cache.load(seq) for seq in sequences})
    one_epoch(PairTensors(data.split("train"), eager), int(cfg.trainer.batch_size))
    held = sum(t.numel() * t.element_size() for t in eager.values()) / 2**20
    print(f"before (all held as fp16 tensors): RSS {rss_mb():.0f} MB (+{rss_mb() - baseline:.0f} above baseline), "
          f"peak {peak_mb():.0f} MB; the tensors alone are {held:.0f} MB")


if __name__ == "__main__":
    main()

"""Time to cluster hemolysis (normalised Levenshtein, all pairs; goal <= 10 s) and all of Guo's yeast proteins
(MMseqs2; goal <= 60 s), without the cache; then with a fresh cache: the first call (cluster, write the entry)
against the second (read the entry and check that no two clusters hold ``identity``-similar sequences, all pairs
up to ``cluster_cache.CHECK_PAIRS``, sampled above). Run from the repository root:

    python bench/bench_clustering.py [--identity 0.8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from protsweep.data.cluster import cluster_labels
from protsweep.data.cluster_cache import CHECK_PAIRS
from protsweep.data.dedup import deduplicate
from protsweep.data.sources import CsvSource
from protsweep.data.validate import validate_rows

SHARED = Path("../shared/data")


def hemolysis_sequences() -> list[str]:
    source = CsvSource(path=str(SHARED / "hemolysis/hemolysis.csv"), sequence_col="sequence", label_col="label")
    unique, _ = deduplicate(validate_rows(source.load(), alphabet="ACDEFGHIKLMNPQRSTVWY"), "majority")
    return unique["sequence"].tolist()


def guo_proteins() -> list[str]:
    table = pd.read_csv(SHARED / "guo_yeast_ppi/protein.dictionary.tsv", sep="\t", header=None, names=["id", "seq"])
    return sorted(set(table["seq"].dropna().str.upper()))


def timed(name: str, sequences: list[str], settings: dict, goal: float) -> None:
    started = time.perf_counter()
    labels = cluster_labels(sequences, {**settings, "cache_dir": None})
    seconds = time.perf_counter() - started
    sizes = np.bincount(labels)
    lengths = [len(s) for s in sequences]
    print(f"{name}: {len(sequences)} sequences (median length {int(np.median(lengths))}), {settings['method']} at "
          f"{settings['identity']}: {len(sizes)} clusters, largest {sizes.max()}, {seconds:.2f} s (goal <= {goal:g} s)")


def cached(name: str, sequences: list[str], settings: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-clusters-") as cache:
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            cluster_labels(sequences, {**settings, "cache_dir": cache})
            seconds.append(time.perf_counter() - started)
    n = len(sequences)
    checked = "all pairs" if n * (n - 1) // 2 <= CHECK_PAIRS else f"{CHECK_PAIRS // n} sampled rows x {n}"
    print(f"{name} cache: first {seconds[0]:.2f} s (cluster + write), second {seconds[1]:.2f} s "
          f"(read + leakage check, {checked})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--identity", type=float, default=0.8)
    args = parser.parse_args()
    timed("hemolysis", hemolysis_sequences(), {"identity": args.identity, "method": "levenshtein"}, 10)
    timed("guo_yeast_ppi proteins", guo_proteins(), {"identity": args.identity, "method": "mmseqs"}, 60)
    cached("hemolysis", hemolysis_sequences(), {"identity": args.identity, "method": "levenshtein"})
    cached("guo_yeast_ppi proteins", guo_proteins(), {"identity": args.identity, "method": "mmseqs"})


if __name__ == "__main__":
    main()

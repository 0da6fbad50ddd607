"""Data pipeline on the real benchmark sets: dedup counts under each policy and load+validate+split time.

    python bench/bench_data.py [--shared-data ../shared/data]

Hemolysis is the hard case: 9316 rows, 3240 duplicate rows, 465 sequences labelled both ways
(SOURCE.md: majority vote keeps 5852 sequences, dropping conflicts 5611).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from omegaconf import OmegaConf

from protsweep.data.dataset import load_split_data

SETS = {
    "hemolysis": {"_target_": "protsweep.data.sources.CsvSource", "path": "{root}/hemolysis/hemolysis.csv"},
    "signalp": {"_target_": "protsweep.data.sources.SplitFilesSource", "sequence_col": "seq",
                "train": "{root}/signalp_binary/signalP_binary.train.csv",
                "test": "{root}/signalp_binary/signalP_binary.test.csv"},
    "amp_modlamp": {"_target_": "protsweep.data.sources.ModlampSource"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", default="../shared/data")
    args = parser.parse_args()
    root = str(Path(args.shared_data).resolve())
    print(f"{'set':12} {'policy':15} {'rows':>6} {'dup rows':>8} {'conflicts':>9} {'kept':>6} "
          f"{'train/valid/test':>18} {'pos rate':>8} {'seconds':>7}")
    for name, source in SETS.items():
        source = {k: v.format(root=root) if isinstance(v, str) else v for k, v in source.items()}
        for policy in ("majority", "drop_conflicts"):
            cfg = OmegaConf.create({"source": source, "dedup": policy, "split_seed": 0, "valid_frac": 0.1,
                                    "test_frac": 0.2, "limit": None, "alphabet": "ACDEFGHIKLMNPQRSTVWY"})
            started = time.perf_counter()
            data = load_split_data(cfg)
            seconds = time.perf_counter() - started
            d, s = data.report["dedup"], data.report["splits"]
            sizes = "/".join(str(s[k]["n"]) for k in ("train", "valid", "test"))
            print(f"{name:12} {policy:15} {d['n_rows']:>6} {d['duplicate_rows']:>8} {d['conflicting_sequences']:>9} "
                  f"{d['n_kept']:>6} {sizes:>18} {s['test']['pos_rate']:>8.3f} {seconds:>7.2f}")


if __name__ == "__main__":
    main()

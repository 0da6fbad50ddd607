"""Data pipeline on the real benchmark sets: dedup counts under each policy and load+validate+split time,
for single sequences and for pairs (both split methods).

    python bench/bench_data.py [--shared-data ../shared/data]

Hemolysis is the hard case: 9316 rows, 3240 duplicate rows, 465 sequences labelled both ways
(SOURCE.md: majority vote keeps 5852 sequences, dropping conflicts 5611).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from protsweep.data.config import DataConfig, PairDataConfig
from protsweep.data.load import load_data

SETS: dict[str, tuple[type, dict[str, Any]]] = {
    "hemolysis": (DataConfig, {"_target_": "protsweep.data.sources.CsvSource",
                               "path": "{root}/hemolysis/hemolysis.csv"}),
    "signalp": (DataConfig, {"_target_": "protsweep.data.sources.SplitFilesSource", "sequence_col": "seq",
                             "train": "{root}/signalp_binary/signalP_binary.train.csv",
                             "test": "{root}/signalp_binary/signalP_binary.test.csv"}),
    "amp_modlamp": (DataConfig, {"_target_": "protsweep.data.sources.ModlampSource"}),
    "guo_yeast_ppi": (PairDataConfig, {"_target_": "protsweep.data.pairs.sources.PairsIdsSource",
                                       "pairs_path": "{root}/guo_yeast_ppi/protein.actions.tsv",
                                       "sequences_path": "{root}/guo_yeast_ppi/protein.dictionary.tsv",
                                       "header": False, "names": ["id_a", "id_b", "label"], "sep": "\t",
                                       "sequences_format": "tsv"}),
}


def variants(schema: type) -> list[dict[str, str]]:
    policies = [{"dedup": p} for p in ("majority", "drop_conflicts")]
    if schema is PairDataConfig:
        return [{**p, "split": s} for p in policies for s in ("random", "cold")]
    return policies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", default="../shared/data")
    args = parser.parse_args()
    root = str(Path(args.shared_data).resolve())
    print(f"{'set':14} {'options':24} {'rows':>6} {'dup rows':>8} {'conflicts':>9} {'kept':>6} "
          f"{'train/valid/test':>18} {'pos rate':>8} {'seconds':>7}")
    for name, (schema, source) in SETS.items():
        source = {k: v.format(root=root) if isinstance(v, str) else v for k, v in source.items()}
        for options in variants(schema):
            cfg = OmegaConf.merge(OmegaConf.structured(schema), {"name": name, "source": source, **options})
            started = time.perf_counter()
            data = load_data(cfg)
            seconds = time.perf_counter() - started
            d, s = data.report["dedup"], data.report["splits"]
            conflicts = next(v for k, v in d.items() if k.startswith("conflicting_"))
            sizes = "/".join(str(s[k]["n"]) for k in ("train", "valid", "test"))
            label = " ".join(options.values())
            print(f"{name:14} {label:24} {d['n_rows']:>6} {d['duplicate_rows']:>8} {conflicts:>9} "
                  f"{d['n_kept']:>6} {sizes:>18} {s['test']['pos_rate']:>8.3f} {seconds:>7.2f}")


if __name__ == "__main__":
    main()

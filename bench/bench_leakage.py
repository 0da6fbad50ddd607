"""Leakage and the nearest-neighbour reference on hemolysis, without training: the random split by sequence
(protsweep's default 70/10/20, and the issue's 80/20 train/test) against the cluster split at 0.8, three split
seeds each. Run from the repository root:

    python bench/bench_leakage.py
"""

from __future__ import annotations

import pandas as pd
from omegaconf import OmegaConf

from protsweep.data.dataset import load_split_data
from protsweep.data.leakage import leakage_report
from protsweep.record.reference import reference_frame, reference_summary

SOURCE = {"_target_": "protsweep.data.sources.CsvSource", "path": "../shared/data/hemolysis/hemolysis.csv",
          "sequence_col": "sequence", "label_col": "label"}


def row(split_by: str, seed: int, valid_frac: float, test_frac: float, train_with_valid: bool) -> str:
    cfg = OmegaConf.create({"name": "hemolysis", "source": SOURCE, "dedup": "majority", "split_seed": seed,
                            "valid_frac": valid_frac, "test_frac": test_frac, "limit": None,
                            "alphabet": "ACDEFGHIKLMNPQRSTVWY", "split_by": split_by,
                            "cluster": {"identity": 0.8, "method": "levenshtein", "cache_dir": None}})
    data = load_split_data(cfg)
    train = data.train if not train_with_valid else pd.concat([data.train, data.valid], ignore_index=True)
    parts = {"train": train, "valid": data.valid, "test": data.test}
    test = leakage_report(parts)["test"]
    nn = reference_summary(reference_frame(train, data.test))
    shares = " | ".join(f"{100 * test[k]:5.1f}%" for k in ("ge_70", "ge_80", "ge_90", "ge_95"))
    return f"| {split_by:8} | {seed} | {len(train)}/{len(data.test)} | {shares} | {nn['auc']:.3f} | {nn['auprc']:.3f} |"


def main() -> None:
    print("| split | seed | train/test | >=70% | >=80% | >=90% | >=95% | NN AUC | NN AUPRC |")
    print("|---|---|---|---|---|---|---|---|---|")
    for split_by in ("sequence", "cluster"):
        for seed in range(3):
            print(row(split_by, seed, 0.1, 0.2, train_with_valid=False))
    print("\nThe issue's protocol: 80/20 train/test (train = protsweep's train + valid)")
    for split_by in ("sequence", "cluster"):
        for seed in range(3):
            print(row(split_by, seed, 0.1, 0.2, train_with_valid=True))


if __name__ == "__main__":
    main()

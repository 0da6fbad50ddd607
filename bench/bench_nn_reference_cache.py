"""The nearest-neighbour reference, first (computed, entry written) against cached (entry read, header checked
and 8 rows recomputed), on Guo's pairs (cold and random splits) and hemolysis. Run from the repository root:

    python bench/bench_nn_reference_cache.py [--shared-data ../shared/data]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from protsweep.data.config import DataConfig, PairDataConfig
from protsweep.data.load import load_data
from protsweep.data.nn_reference import nearest_neighbour_scores


def configs(root: str) -> dict[str, object]:
    guo = {"_target_": "protsweep.data.pairs.sources.PairsIdsSource",
           "pairs_path": f"{root}/guo_yeast_ppi/protein.actions.tsv",
           "sequences_path": f"{root}/guo_yeast_ppi/protein.dictionary.tsv",
           "header": False, "names": ["id_a", "id_b", "label"], "sep": "\t", "sequences_format": "tsv"}
    hemolysis = {"_target_": "protsweep.data.sources.CsvSource", "path": f"{root}/hemolysis/hemolysis.csv"}
    return {
        "guo_yeast_ppi cold": OmegaConf.merge(OmegaConf.structured(PairDataConfig),
                                              {"name": "guo", "source": guo, "split": "cold"}),
        "guo_yeast_ppi random": OmegaConf.merge(OmegaConf.structured(PairDataConfig),
                                                {"name": "guo", "source": guo, "split": "random"}),
        "hemolysis": OmegaConf.merge(OmegaConf.structured(DataConfig), {"name": "hemolysis", "source": hemolysis}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", default="../shared/data")
    args = parser.parse_args()
    root = str(Path(args.shared_data).resolve())
    for name, cfg in configs(root).items():
        data = load_data(cfg)
        train, test = data.split("train"), data.split("test")
        with tempfile.TemporaryDirectory(prefix="bench-nnref-") as cache:
            seconds, scores = [], []
            for _ in range(2):
                started = time.perf_counter()
                scores.append(nearest_neighbour_scores(train, test, cache))
                seconds.append(time.perf_counter() - started)
        same = np.array_equal(scores[0], scores[1])
        print(f"{name}: {len(train)} train / {len(test)} test rows: first {seconds[0]:.2f} s, cached "
              f"{seconds[1]:.2f} s ({seconds[0] / max(seconds[1], 1e-9):.0f}x), same scores: {same}")


if __name__ == "__main__":
    main()

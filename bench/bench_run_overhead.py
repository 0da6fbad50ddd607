"""Per-run fixed overhead (issue 13, goal <= 15 s each): one ProteinBERT run and one Siamese run, each a fresh
``python -m protsweep`` process as a sweep job is, timed from process start to the first training step and
from the end of training to process exit.

- start-up = (run.json ``started_at`` - launch) + the stages before training (ProteinBERT ``setup``: data,
  seed, backbone and model; Siamese ``data`` + ``embed``);
- tail = total wall - start-up - the training stages (ProteinBERT ``frozen``/``full``, Siamese ``train``):
  predicting, calibration, writing the record, the sweep-free Hydra exit and interpreter shutdown.
Training is one epoch of the tiny models on small data, so nearly all of the wall is fixed cost. Wall-clock
on a shared machine: repeat (``--repeats``) and read the medians.

    python bench/bench_run_overhead.py --repeats 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.siamese.pairgen import write_pairs_csv  # noqa: E402

RUNS: dict[str, tuple[list[str], tuple[str, ...], tuple[str, ...]]] = {
    # name: (overrides, stages before training, training stages)
    "proteinbert_tiny": (
        ["model=proteinbert_tiny", "data.limit=200", "trainer.epochs_frozen=1", "trainer.epochs_full=1"],
        ("setup",), ("frozen", "full"),
    ),
    "siamese (esmc_tiny)": (
        ["model=siamese", "embedder=esmc_tiny", "data=pairs_csv", "trainer.epochs=1"],
        ("data", "embed"), ("train",),
    ),
}


def one_run(overrides: list[str], before: tuple[str, ...], training: tuple[str, ...], work: Path) -> dict:
    run_dir = work / f"run-{time.time_ns()}"
    launch = time.time()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "protsweep", *overrides, f"hydra.run.dir={run_dir}"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    total = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({' '.join(overrides)}): {proc.stderr.strip().splitlines()[-1:]}")
    info = json.loads((run_dir / "run.json").read_text())
    walls = info["wall_seconds"]
    to_record = datetime.fromisoformat(info["started_at"]).timestamp() - launch
    startup = to_record + sum(walls.get(s, 0.0) for s in before)
    trained = sum(walls.get(s, 0.0) for s in training)
    return {"total": total, "startup": startup, "training": trained, "tail": total - startup - trained,
            "to_record": to_record}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pairs = write_pairs_csv(work / "pairs.csv", n_proteins=40, n_pairs=160)
        extra = {"siamese (esmc_tiny)": [f"data.source.path={pairs}", f"paths.cache_dir={work / 'cache'}"]}
        results: dict[str, list[dict]] = {name: [] for name in RUNS}
        for _ in range(args.repeats):
            for name, (overrides, before, training) in RUNS.items():
                results[name].append(one_run([*overrides, *extra.get(name, [])], before, training, work))
    for name, rows in results.items():
        med = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        print(f"{name}: total {med['total']:.1f} s = start-up {med['startup']:.1f} s (to the run record "
              f"{med['to_record']:.1f} s) + training {med['training']:.1f} s + tail {med['tail']:.1f} s; "
              f"fixed {med['startup'] + med['tail']:.1f} s (goal <= 15 s), {len(rows)} run(s)")


if __name__ == "__main__":
    main()

"""Per-run fixed overhead (issue 13, goal <= 15 s each): one ProteinBERT run and one Siamese run, each a fresh
``python -m protsweep`` process as a sweep job is, timed from process start to the first training step and
from the end of training to process exit.

- start-up = (run.json ``started_at`` - launch) + the stages before training (ProteinBERT ``setup``: data,
  seed, backbone and model; Siamese ``data`` + ``embed``) + ProteinBERT's first stage up to the end of its first
  training batch (``metrics.json`` ``stages.<name>.first_step_seconds``: features, compile, graph tracing);
- later stages' set-up: the same figure for every later ProteinBERT stage (each compiles and traces again);
- tail = total wall - start-up - the training stages (ProteinBERT ``frozen``/``full``, Siamese ``train``):
  predicting, calibration, writing the record, the sweep-free Hydra exit and interpreter shutdown;
- fixed = start-up + later stages' set-up + tail.
Training is one epoch per stage on small data, so nearly all of the wall is fixed cost. Full-size ProteinBERT
(random init: no dump here) is the figure a real sweep pays; the tiny one shows the floor. Wall-clock on a
shared machine: repeat (``--repeats``) and read the medians.

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
    "proteinbert (full size)": (
        ["model=proteinbert", "data.limit=200", "trainer.epochs_frozen=1", "trainer.epochs_full=1"],
        ("setup",), ("frozen", "full"),
    ),
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
        [sys.executable, "-m", "protsweep", *overrides, "reuse.enabled=false", f"hydra.run.dir={run_dir}"],
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
    stages = json.loads((run_dir / "metrics.json").read_text()).get("stages", {})
    first_steps = [stages[s]["first_step_seconds"] for s in training if stages.get(s, {}).get("first_step_seconds")]
    startup += first_steps[0] if first_steps else 0.0
    later = sum(first_steps[1:])
    tail = total - (startup - (first_steps[0] if first_steps else 0.0)) - trained
    return {"total": total, "startup": startup, "later_stages": later, "training": trained - sum(first_steps),
            "tail": tail, "to_record": to_record, "fixed": startup + later + tail}


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
        goal = 10 if name.startswith("siamese") else 15
        print(f"{name}: total {med['total']:.1f} s = start-up to the first step {med['startup']:.1f} s (to the run "
              f"record {med['to_record']:.1f} s) + later stages' set-up {med['later_stages']:.1f} s + training "
              f"{med['training']:.1f} s + tail {med['tail']:.1f} s; fixed {med['fixed']:.1f} s (goal <= {goal} s), "
              f"{len(rows)} run(s)")


if __name__ == "__main__":
    main()

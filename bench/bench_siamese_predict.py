"""Siamese scoring speed (issue 23, goal >= 1,000 pairs/s with a warm cache, tiny model, this 2-core machine):
``protsweep-predict``'s scoring of many pairs, before and after, in one run.

A tiny Siamese run (the tests' tiny network, ``esmc_tiny``, 1 epoch) is trained on generated peptide pairs
(tests/siamese/pairgen.py); its embedding cache then holds every peptide. ``--pairs`` random pairs of those
peptides are scored three ways, after one untimed warm-up:

- before: the whole model per pair, in chunks of ``CHUNK`` pairs (``PairTensors`` + the trainer's
  ``evaluate``: what ``SiamesePredictor.predict_raw`` ran before), so each peptide is encoded once per side of
  every pair it is in;
- after: ``SiamesePredictor.predict_raw`` (each distinct peptide encoded once per chunk, then the head per pair);
- each at torch's default threads (one per core) and at 1 thread: on a busy machine the two threads' barriers
  wait for a core per op, which costs a small model far more than its arithmetic (``--threads 1``);
- the CLI: one ``protsweep-predict`` process end to end (imports, card checks, embedding cache verification,
  scoring, the CSV), whose pairs/s include the fixed start-up.

Wall-clock on a shared machine: the 1-minute load average is printed beside the figures.

    python bench/bench_siamese_predict.py [--pairs 5000] [--proteins 200] [--arch siamese] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.siamese.conftest import TINY  # noqa: E402
from tests.siamese.pairgen import pairs  # noqa: E402


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f} (2 cores)"


def train_tiny(work: Path, proteins: int, arch: str) -> tuple[Path, list[str]]:
    train = pairs(proteins, 3 * proteins, seed=0)
    train[["seq_a", "seq_b", "label"]].to_csv(work / "train.csv", index=False)
    run_dir = work / "run"
    overrides = [o for o in TINY if not o.startswith("trainer.epochs=")]
    command = [
        sys.executable, "-m", "protsweep", "model=siamese", f"model.arch={arch}", "data=pairs_csv",
        f"data.source.path={work / 'train.csv'}", f"paths.cache_dir={work / 'cache'}", *overrides,
        "trainer.epochs=1", "reuse.enabled=false", f"hydra.run.dir={run_dir}",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"training the tiny run failed: {done.stderr.strip().splitlines()[-3:]}")
    return run_dir, list(dict.fromkeys([*train["seq_a"], *train["seq_b"]]))


def old_path(predictor, frame: pd.DataFrame) -> np.ndarray:
    """The scoring loop of ``SiamesePredictor.predict_raw`` before issue 23: the whole model per pair."""
    from protsweep.siamese.model_io import CHUNK
    from protsweep.siamese.train.batches import PairTensors
    from protsweep.siamese.train.loop import evaluate

    tensors = predictor.embed(list(dict.fromkeys([*frame["seq_a"], *frame["seq_b"]])), False)
    frame = frame.assign(label=0)
    out = np.empty(len(frame), dtype=np.float64)
    for start in range(0, len(frame), CHUNK):
        part = PairTensors(frame.iloc[start : start + CHUNK], tensors)
        scored = evaluate(predictor.model, part, predictor.loss_fn, predictor.batch_size, predictor.device,
                          predictor.budget)
        out[start : start + len(part)] = scored.prob
    return out


def timed(fn, repeats: int) -> tuple[float, np.ndarray]:
    walls, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - began)
    return statistics.median(walls), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--proteins", type=int, default=200)
    parser.add_argument("--arch", default="siamese", choices=("siamese", "pseudo_siamese"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("USE_TF", "0")
    import torch

    from protsweep.family import families
    from protsweep.saved.guard import trusted_card
    from protsweep.siamese.model_io import SiamesePredictor

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_dir, peptides = train_tiny(work, args.proteins, args.arch)
        rng = np.random.default_rng(1)
        pick = rng.integers(0, len(peptides), size=(2, args.pairs))
        frame = pd.DataFrame({"seq_a": [peptides[i] for i in pick[0]], "seq_b": [peptides[i] for i in pick[1]]})
        frame.to_csv(work / "score.csv", index=False)
        predictor = SiamesePredictor(run_dir, trusted_card(run_dir, families()))
        predictor.predict_raw(frame.iloc[:64])  # warm-up (threads, allocator), untimed
        print(f"{args.pairs} pairs of {len(peptides)} peptides (arch {args.arch}, tiny network, esmc_tiny, warm "
              f"cache), median of {args.repeats}; {load()}")
        default_threads = torch.get_num_threads()
        for threads in (default_threads, 1):
            torch.set_num_threads(threads)
            before, old = timed(lambda: old_path(predictor, frame), args.repeats)
            after, new = timed(lambda: predictor.predict_raw(frame), args.repeats)
            print(f"  torch threads {threads}:")
            for name, wall in (("before (whole model per pair)", before), ("after (each peptide encoded once)", after)):
                print(f"    {name:<34} {wall:7.2f} s  {args.pairs / wall:8.0f} pairs/s  {load()}")
            print(f"    speed-up {before / after:.1f}x; max |prob before - after| = {np.abs(old - new).max():.2e}")
        torch.set_num_threads(default_threads)
        for extra in ([], ["--threads", "1"]):
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "protsweep.predict_cli", str(run_dir), "--input", str(work / "score.csv"),
                 "--out", str(work / "scores.csv"), "--force", "--progress", "never", *extra],
                cwd=REPO, capture_output=True, text=True, check=False,
            )  # fmt: skip
            wall = time.perf_counter() - began
            if done.returncode != 0:
                raise SystemExit(f"protsweep-predict failed: {done.stderr.strip()}")
            print(f"  protsweep-predict {' '.join(extra) or '(default threads)':<17} process end to end: "
                  f"{wall:6.2f} s  {args.pairs / wall:6.0f} pairs/s  {load()}")

if __name__ == "__main__":
    main()

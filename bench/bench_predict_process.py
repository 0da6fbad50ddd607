"""``protsweep-predict`` as a whole process (issue 23 point 3: >= 1,000 pairs/s with a warm cache, tiny Siamese
model, this 2-core machine), before and after, in one run.

A tiny Siamese run is trained as in ``bench/bench_siamese_predict.py`` (its embedding cache then holds every
peptide); ``--pairs`` inputs of random pairs of its peptides are written, plus a 1-pair input. Each is scored
by one fresh ``protsweep-predict --threads 1`` process per repeat, timed from launch to exit, alternating:

- before: the code of ``--before`` (a git ref; default the commit before the start-up work), ``src/`` and
  ``conf/`` exported with ``git archive`` into a temporary folder and put first on ``PYTHONPATH``;
- after: this working tree's ``src/``.

Printed per size: the median wall, pairs/s of the whole process, and the start-up: the wall of the 1-pair
process, and the intercept of the line through the two largest sizes (what the process costs before its
first pair). Wall-clock on a shared machine: the 1-minute load average is printed beside the figures; the
before/after ratio comes from interleaved processes.

    python bench/bench_predict_process.py [--pairs 5000 20000] [--repeats 3] [--before 19dc36c]
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
sys.path.insert(0, str(REPO / "bench"))

from bench_siamese_predict import load, train_tiny  # noqa: E402

#: the last commit before protsweep-predict's start-up work (issue 23 leftovers)
BEFORE = "19dc36c"


def export_tree(ref: str, into: Path) -> Path:
    """``src/`` and ``conf/`` of ``ref`` under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref, "src", "conf"], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def one_process(src: Path, run_dir: Path, inputs: Path, out: Path, extra: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(src), "USE_TF": "0"}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "protsweep.predict_cli", str(run_dir), "--input", str(inputs), "--out", str(out),
         "--force", "--progress", "never", *extra],
        cwd=src.parent, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"protsweep-predict ({src}) failed: {done.stderr.strip()[-1500:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--proteins", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help="the git ref whose code is 'before'")
    parser.add_argument("--threads", default="1", help="--threads of both processes ('default': not given)")
    args = parser.parse_args()
    extra = [] if args.threads == "default" else ["--threads", args.threads]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_dir, peptides = train_tiny(work, args.proteins, "siamese")
        trees = {"before": export_tree(args.before, work / "before") / "src", "after": REPO / "src"}
        rng = np.random.default_rng(1)
        sizes = [1, *sorted(args.pairs)]
        for n in sizes:
            pick = rng.integers(0, len(peptides), size=(2, n))
            pd.DataFrame({"seq_a": [peptides[i] for i in pick[0]], "seq_b": [peptides[i] for i in pick[1]]}).to_csv(
                work / f"pairs{n}.csv", index=False)
        for src in trees.values():  # warm-up: bytecode caches, the page cache, the card's checks
            one_process(src, run_dir, work / "pairs1.csv", work / "out.csv", extra)
        walls: dict[tuple[str, int], list[float]] = {(name, n): [] for name in trees for n in sizes}
        loads = []
        for _ in range(args.repeats):
            for n in sizes:
                for name, src in trees.items():
                    walls[name, n].append(one_process(src, run_dir, work / f"pairs{n}.csv", work / "out.csv", extra))
                    loads.append(os.getloadavg()[0])
        print(f"protsweep-predict {' '.join(extra) or '(default threads)'}, one fresh process per score, tiny "
              f"Siamese model (esmc_tiny, warm cache, {len(peptides)} peptides), median of {args.repeats} "
              f"interleaved; before = {args.before}; load average during the runs {min(loads):.2f}-{max(loads):.2f} "
              f"(2 cores); {load()} now")
        print("| pairs | before wall (s) | before pairs/s | after wall (s) | after pairs/s | speed-up |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        median = {key: statistics.median(values) for key, values in walls.items()}
        for n in sizes:
            b, a = median["before", n], median["after", n]
            print(f"| {n} | {b:.2f} | {n / b:,.0f} | {a:.2f} | {n / a:,.0f} | {b / a:.2f}x |")
        big, bigger = sorted(args.pairs)[-2:] if len(args.pairs) > 1 else (None, None)
        for name in trees:
            line = f"{name}: start-up (the 1-pair process) {median[name, 1]:.2f} s"
            if big is not None:
                per_pair = (median[name, bigger] - median[name, big]) / (bigger - big)
                line += (f"; intercept of {big}->{bigger} pairs {median[name, big] - big * per_pair:.2f} s, "
                         f"then {1 / per_pair:,.0f} pairs/s" if per_pair > 0 else "")
            print(line)


if __name__ == "__main__":
    main()

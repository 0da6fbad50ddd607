"""Relaunch a finished tiny sweep with only an output-only key changed, and count what trained.

    PYTHONPATH=src python bench/bench_relaunch_output_only.py [--change report.margin_auc=0.02] [--seeds 2]

Runs ``protsweep`` (tiny ProteinBERT, head=default,two_layer x seeds, data.limit=200) into a temporary sweep
folder, then the same command plus ``--change``. Prints the job folders before and after, how many jobs trained
again (a run.json rewritten or a new job folder with a record), the relaunch's exit status and wall time, and
whether the verdict was produced. Figures only, no assertion (tests/integrity/test_relaunch_output_only.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TINY = ["model=proteinbert_tiny", "trainer.epochs_frozen=1", "trainer.epochs_full=0", "trainer.batch_size=16",
        "data.limit=200", "progress=never"]


def records(sweep: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(sweep.glob("*/run.json"))}


def launch(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "USE_TF": "0"}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "protsweep", *args], cwd=cwd, capture_output=True, text=True, env=env)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--change", action="append", default=None)
    parser.add_argument("--seeds", type=int, default=2)
    opts = parser.parse_args()
    change = opts.change or ["report.margin_auc=0.02"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sweep = root / "sweep"
        seeds = ",".join(str(s) for s in range(opts.seeds))
        args = ["-m", "head=default,two_layer", f"seed={seeds}", "ablation.factor=head",
                "+ablation.baseline.head=default", *TINY, f"hydra.sweep.dir={sweep}"]
        first, t_first = launch(args, root)
        before = records(sweep)
        print(f"first launch: exit {first.returncode}, {len(before)} job(s) completed, {t_first:.1f} s")
        again, t_again = launch([*args, *change], root)
        after = records(sweep)
        retrained = sum(1 for name, data in after.items() if before.get(name) != data)
        summary = sweep / "results" / "summary.md"
        verdict = summary.is_file() and "## Verdict" in summary.read_text()
        print(f"relaunch with {' '.join(change)}: exit {again.returncode}, {t_again:.1f} s")
        print(f"job folders with a record: before {len(before)}, after {len(after)}; jobs trained again: {retrained}")
        print(f"verdict produced: {verdict}")


if __name__ == "__main__":
    main()

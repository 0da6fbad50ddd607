"""The one-node SLURM cluster of scripts/slurm-local.sh: how long ``up`` takes (until the node is idle) and
``down``, and how long a trivial job takes from ``sbatch`` to COMPLETED (the scheduler's own overhead).

    python bench/bench_slurm_local.py [--repeats 3]

Needs what the script needs (root, slurm-wlm and munge); prints the script's one-line refusal otherwise.
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

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "slurm-local.sh"


def timed(*args: str, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(list(args), capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done


def job_seconds(conf: Path) -> float:
    """sbatch of ``true`` until squeue says COMPLETED."""
    env = {**os.environ, "SLURM_CONF": str(conf)}
    start = time.perf_counter()
    job = subprocess.run(["sbatch", "--parsable", "-o", "/dev/null", "--wrap", "true"], env=env,
                         capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    while True:
        state = subprocess.run(["squeue", "-h", "--states=all", "-j", job, "-o", "%T"], env=env,
                               capture_output=True, text=True).stdout.strip()  # fmt: skip
        if state == "COMPLETED":
            return time.perf_counter() - start
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    _, check = timed(str(SCRIPT), "check")
    if check.returncode != 0:
        print(check.stdout.strip(), file=sys.stderr)
        return 1
    ups, downs, jobs = [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="slurm-bench-") as tmp:
            folder = Path(tmp) / "cluster"
            up_s, up = timed(str(SCRIPT), "up", str(folder))
            if up.returncode != 0:
                print(up.stderr.strip(), file=sys.stderr)
                return 1
            jobs.append(job_seconds(folder / "slurm.conf"))
            down_s, _ = timed(str(SCRIPT), "down", str(folder))
            ups.append(up_s)
            downs.append(down_s)
    print(f"slurm-local up (until the node is idle): median {statistics.median(ups):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in ups)})")  # fmt: skip
    print(f"trivial job, sbatch to COMPLETED: median {statistics.median(jobs):.2f} s")
    print(f"slurm-local down: median {statistics.median(downs):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

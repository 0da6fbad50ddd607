"""Where one Siamese run of the ``siamese_arch`` bench spends its time (issue 13): one ``python -m protsweep``
run under cProfile (Guo subset, ``esmc_tiny``, warm or cold cache), broken down into start-up (imports,
Hydra), data, embedding, model build, the training epochs (forward, backward, optimizer step, batch
collation), validation, checkpoints and the tail. The epoch time is compared with the forward+backward
compute inside it, the figure the issue's goal is stated against (within 2x).

    python bench/bench_siamese_profile.py --shared-data ../shared/data [--limit 300] [--epochs 2] [--max-len 1022]

Memory: at embedder.max_len=2048 a batch of long Guo proteins once took ~11 GB RSS on CPU (batch 32); the fused
attention kernel and the token budget (trainer.max_batch_tokens) now keep it bounded (bench/bench_siamese_memory.py).

cProfile adds overhead to Python-heavy parts (collation) more than to torch kernels: the shares are upper
bounds for Python code. Wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: part -> (file suffix, function name) whose cumulative time is that part
PARTS: dict[str, tuple[str, str]] = {
    "imports": ("<frozen importlib._bootstrap>", "_find_and_load"),
    "train epochs": ("siamese/train/loop.py", "_train_epoch"),
    "  forward (all)": ("siamese/net/model.py", "forward"),
    "  backward": ("torch/_tensor.py", "backward"),
    "  optimizer step": ("torch/optim/adam.py", "step"),  # AdamW inherits Adam.step
    "  batch collation": ("siamese/train/batches.py", "batch"),
    "validation + predict": ("siamese/train/loop.py", "evaluate"),
    "checkpoints": ("siamese/train/checkpoint.py", "_save"),
    "embeddings (cache)": ("siamese/embed/service.py", "ensure_embeddings"),
    "data": ("data/pairs/dataset.py", "load_pair_data"),
}


def cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    """Cumulative seconds of the outermost calls of a function (recursion counted once)."""
    return sum(row[3] for (path, _, func), row in stats.stats.items() if path.endswith(suffix) and func == name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", required=True)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--cache-dir", default="outputs/cache")
    parser.add_argument("--arch", default="siamese")
    parser.add_argument("--max-len", type=int, default=2048, help="embedder.max_len (1022: the issue's setting)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir, prof = Path(tmp) / "run", Path(tmp) / "run.prof"
        command = [
            sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "protsweep", "model=siamese",
            f"model.arch={args.arch}", "embedder=esmc_tiny", "embedder.progress=false", "data=guo_yeast_ppi",
            f"data.limit={args.limit}", f"paths.shared_data={Path(args.shared_data).resolve()}",
            f"paths.cache_dir={Path(args.cache_dir).resolve()}", f"trainer.epochs={args.epochs}",
            f"embedder.max_len={args.max_len}", f"hydra.run.dir={run_dir}",
        ]  # fmt: skip
        began = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"run failed: {done.stderr.strip().splitlines()[-3:]}")
        stats = pstats.Stats(str(prof))
        info = json.loads((run_dir / "run.json").read_text())
        epochs = len((run_dir / "history.csv").read_text().strip().splitlines()) - 1
    parts = {part: cumulative(stats, *where) for part, where in PARTS.items()}
    print(f"one Siamese run ({args.arch}, Guo limit {args.limit}, {epochs} epochs): {wall:.1f} s wall "
          f"(under cProfile); run.json stages: {info.get('wall_seconds')}")
    for part, seconds in parts.items():
        print(f"  {part:<22} {seconds:7.2f} s  {100 * seconds / wall:5.1f}%")
    # the model's forward also runs inside evaluate (validation and the final predict), which is almost all
    # forward: the training forward is the rest (a slight under-estimate, so the ratio below errs high)
    compute = parts["  forward (all)"] - parts["validation + predict"] + parts["  backward"]
    per_epoch = parts["train epochs"] / max(epochs, 1)
    print(f"train epoch {per_epoch:.2f} s vs its forward+backward {compute / max(epochs, 1):.2f} s: "
          f"{parts['train epochs'] / max(compute, 1e-9):.2f}x (goal <= 2x)")
    fixed = wall - parts["train epochs"] - parts["validation + predict"]
    print(f"fixed per run (wall - train epochs - validation and predict): {fixed:.1f} s under cProfile, which "
          "inflates imports (bench/bench_run_overhead.py has the unprofiled figure; goal <= 10 s)")


if __name__ == "__main__":
    main()

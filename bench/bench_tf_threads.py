"""TensorFlow's two thread pools for full-size ProteinBERT on this machine: a training step (batch 32) and a
prediction batch (batch 64) at several padded lengths, for each (inter-op, intra-op) setting, each setting in
its own process (TensorFlow fixes its pools at start-up), the settings interleaved over rounds so the VM's drift
falls on all of them alike. Prints the median milliseconds per step and the ratio to TensorFlow's defaults.

    python bench/bench_tf_threads.py [--rounds 3] [--steps 30] [--lengths 24,48,128]

The settings compared: TensorFlow's defaults (both pools one thread per core: what protsweep's jobs get on the
basic launcher) and inter-op one per core with intra-op 1 (a candidate, not adopted: docs/speed.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

SETTINGS = {"TF defaults": (0, 0), "inter = cores, intra = 1": (os.cpu_count() or 1, 1)}


def measure(inter: int, intra: int, lengths: list[int], steps: int) -> dict[str, float]:
    """One process: milliseconds per training step and per prediction batch at each length."""
    import numpy as np
    from bench_step_profile import build_model, seconds, training_batch

    from protsweep.proteinbert.tf_env import tf

    tf.config.threading.set_inter_op_parallelism_threads(inter)  # before TensorFlow's first op
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    model = build_model("float32")  # protsweep's default model, seeded, op determinism on
    rng = np.random.default_rng(0)
    figures: dict[str, float] = {}
    for length in lengths:
        for name, batch in (("train", 32), ("predict", 64)):
            x, y = training_batch(rng, batch, length)
            data = tf.data.Dataset.from_tensors((x, y) if name == "train" else (x,)).repeat(steps)
            run = (lambda d=data: model.fit(d, epochs=1, verbose=0)) if name == "train" else (
                lambda d=data: model.predict(d, verbose=0))
            run()  # tracing
            figures[f"{name} L={length}"] = seconds(run) / steps * 1e3
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--lengths", default="24,48,128")
    parser.add_argument("--child", nargs=2, type=int, metavar=("INTER", "INTRA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",")]
    if args.child:
        print(json.dumps(measure(*args.child, lengths, args.steps)))
        return
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, (inter, intra) in SETTINGS.items():
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(inter), str(intra), "--lengths", args.lengths,
                 "--steps", str(args.steps)], capture_output=True, text=True, check=True,
            ).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    keys = list(runs["TF defaults"][0])
    print(f"full-size ProteinBERT, {os.cpu_count()} cores, {args.rounds} interleaved rounds x {args.steps} steps; "
          f"median ms per step (train: batch 32, predict: batch 64); load average {os.getloadavg()[0]:.2f}")
    print("| setting | " + " | ".join(keys) + " |")
    print("| --- |" + " ---: |" * len(keys))
    medians = {name: {k: statistics.median(r[k] for r in rs) for k in keys} for name, rs in runs.items()}
    for name, med in medians.items():
        print(f"| {name} | " + " | ".join(f"{med[k]:.1f}" for k in keys) + " |")
    base = medians["TF defaults"]
    for name, med in list(medians.items())[1:]:
        print(f"| speed-up of {name} | " + " | ".join(f"{base[k] / med[k]:.2f}x" for k in keys) + " |")


if __name__ == "__main__":
    main()

"""What the integrity checks cost (issue 21): the per-job reuse key (source hash, input content hashes), the
reuse search over many recorded runs, and a model card's checks before a prediction (registered components,
sha256, finite weights).

    PYTHONPATH=src python bench/bench_integrity.py [--data-mb 50] [--runs 500] [--weights-mb 64]

Prints figures only (seconds, best of three where cheap).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf
from safetensors.numpy import save_file

from protsweep.launch.reuse import ReuseKey, find_reusable
from protsweep.record.identity import code_identity, input_files, output_digests, source_sha256
from protsweep.saved.card import CARD_FORMAT, card_path, model_dir, weights_entry
from protsweep.saved.guard import registered_targets, trusted_card


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-mb", type=int, default=50)
    p.add_argument("--runs", type=int, default=500)
    p.add_argument("--weights-mb", type=int, default=64)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        source_sha256()
        print(f"source hash (first, package + option files): {time.perf_counter() - t0:.3f} s")
        print(f"code identity (cached): {timed(code_identity) * 1e6:.1f} us")

        data = root / "data.csv"
        line = b"ACDEFGHIKLMNPQRSTVWYACDEFGHIKLMNPQRSTVWY,1\n"
        data.write_bytes(b"sequence,label\n" + line * (args.data_mb * 2**20 // len(line)))
        cfg = OmegaConf.create({"data": {"source": {"path": str(data)}}, "model": {}})
        t0 = time.perf_counter()
        inputs = input_files(cfg, root)
        print(f"input content hash, {args.data_mb} MB data file (first): {time.perf_counter() - t0:.3f} s")
        print(f"input content hash (same file again, remembered): {timed(lambda: input_files(cfg, root)) * 1e3:.2f} ms")

        key = ReuseKey("a" * 64, inputs, code_identity(), {"python": "3"})
        sweeps = root / "sweeps"
        for i in range(args.runs):
            run = sweeps / f"s{i // 20}" / f"job{i}"
            run.mkdir(parents=True)
            (run / "predictions.csv").write_text("split,id\n" + "test,x\n" * 1000)
            (run / "metrics.json").write_text("{}")
            sha = "a" * 64 if i % 50 == 0 else f"{i:064x}"
            info = {"status": "completed", "fingerprint": {"sha256": sha, "config": {"k": i}}, "inputs": inputs,
                    "code": dict(key.code), "versions": dict(key.versions), "outputs_sha256": output_digests(run)}
            (run / "run.json").write_text(json.dumps(info))
        me = root / "me"
        me.mkdir()
        found = find_reusable(key, [sweeps], exclude=me, note=lambda _: None)
        assert found is not None
        search = timed(lambda: find_reusable(key, [sweeps], exclude=me, note=lambda _: None))
        print(f"reuse search over {args.runs} recorded runs ({args.runs // 50} of the same config): {search:.3f} s")

        run = root / "model_run"
        model_dir(run).mkdir(parents=True)
        weights = model_dir(run) / "model.safetensors"
        n = args.weights_mb * 2**20 // 4 // 16
        save_file({f"{i:05d}": np.random.default_rng(i).random(n, dtype=np.float32) for i in range(16)}, str(weights))
        card = {"format": CARD_FORMAT, "family": "proteinbert", "weights": weights_entry(weights, "safetensors"),
                "config": {"head": {"_target_": "protsweep.proteinbert.heads.DefaultHead"},
                           "features": {"_target_": "protsweep.proteinbert.features.LastGlobal"}},
                "calibration": {"_target_": "protsweep.calibration.calibrators.Identity"}, "family_settings": {}}
        card_path(run).write_text(json.dumps(card))
        t0 = time.perf_counter()
        registered_targets()
        print(f"registered components (first, from the option files and schemas): {time.perf_counter() - t0:.3f} s")
        check = timed(lambda: trusted_card(run, {"proteinbert": "", "siamese": ""}))
        print(f"card checks before a prediction, {args.weights_mb} MB weights (sha256 + finite): {check:.3f} s")


if __name__ == "__main__":
    main()

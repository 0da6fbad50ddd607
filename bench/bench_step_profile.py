"""Where a training step of full-size ProteinBERT spends its time (issue 23: what bounds the all-trainable stage).

Builds protsweep's default fine-tuning model (random init, ``features=last``, ``head=default``, Adam), times
``--steps`` training steps at batch 32 and each padded length, then records ``--profiled`` steps with TensorFlow's
profiler and sums the op time per op type and per part of the model (convolutions, global attention, Adam, the
8,943-wide annotation layers, the rest). Op time is summed over TensorFlow's inter-op threads, so it exceeds the
wall time of a step where ops ran side by side.

    python bench/bench_step_profile.py [--lengths 24,48] [--steps 30] [--profiled 10] [--policy mixed_bfloat16]

``--policy`` sets Keras' global dtype policy first (``mixed_bfloat16``: bf16 products, float32 weights; fast only
on CPUs with AVX512_BF16 or AMX, and not protsweep's: it changes every number).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import compose_config  # noqa: E402

N_ANNOTATIONS = 8943  # upstream's annotation vocabulary (the input the fine-tuning model feeds zeros)

#: The part of the model an op belongs to, by the first matching fragment of its name (else "other").
PARTS = (
    ("Adam", "Adam update"),
    ("annotations", "annotation layers (8,943 wide)"),
    ("global-input", "annotation layers (8,943 wide)"),
    ("conv", "convolutions"),
    ("attention", "global attention"),
)


def part_of(op_name: str) -> str:
    return next((part for fragment, part in PARTS if fragment in op_name), "other")


def build_model(policy: str) -> object:
    """protsweep's default model (``model=proteinbert`` composed from conf/, random init), compiled with Adam."""
    from protsweep.proteinbert.backbone import load_backbone
    from protsweep.proteinbert.features import LastGlobal
    from protsweep.proteinbert.heads import DefaultHead
    from protsweep.proteinbert.model import build_model as build
    from protsweep.proteinbert.optimizers import adam
    from protsweep.proteinbert.tf_env import keras, tf

    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    tf.config.experimental.enable_op_determinism()  # as protsweep's runs (deterministic=true)
    cfg = compose_config("model=proteinbert", "model.pretrained=random")
    model = build(load_backbone(cfg.model).generator, LastGlobal(), DefaultHead())
    model.compile(loss="binary_crossentropy", optimizer=adam(lr=1e-4, model=model))
    return model


def training_batch(rng: object, batch: int, length: int) -> tuple[tuple[object, object], object]:
    """Random residue tokens padded to ``length``, upstream's all-zero annotations, and random 0/1 labels."""
    import numpy as np

    tokens = rng.integers(3, 26, size=(batch, length)).astype(np.int32)  # type: ignore[attr-defined]
    labels = rng.integers(0, 2, size=(batch, 1)).astype(np.float32)  # type: ignore[attr-defined]
    return (tokens, np.zeros((batch, N_ANNOTATIONS), np.float32)), labels


def op_times(trace_dir: Path) -> collections.Counter:
    """Milliseconds per (op type, op name) over every TensorFlow compute thread of the recorded trace."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(sorted(trace_dir.glob("**/*.xplane.pb"))[-1].read_bytes())
    times: collections.Counter = collections.Counter()
    for plane in space.planes:
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if ":" in name and "::" not in name:  # "<op name>:<op type>"; the executor's own spans left out
                    op, kind = name.rsplit(":", 1)
                    times[(kind, op)] += event.duration_ps / 1e9
    return times


def seconds(run: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="24,48")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes of --steps steps; the fastest counts")
    parser.add_argument("--profiled", type=int, default=10)
    parser.add_argument("--policy", default="float32", help="Keras' global dtype policy (float32: protsweep's)")
    args = parser.parse_args()
    import numpy as np

    from protsweep.proteinbert.tf_env import tf

    model = build_model(args.policy)
    rng = np.random.default_rng(0)
    print(f"full-size ProteinBERT training step, batch 32, policy {args.policy}, {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.2f}")
    for length in (int(v) for v in args.lengths.split(",")):
        x, y = training_batch(rng, 32, length)
        data = tf.data.Dataset.from_tensors((x, y)).repeat(args.steps)
        model.fit(data, verbose=0)  # tracing
        step_ms = min(seconds(lambda d=data: model.fit(d, verbose=0)) for _ in range(args.repeats)) / args.steps * 1e3
        with tempfile.TemporaryDirectory(prefix="step-profile-") as trace:
            tf.profiler.experimental.start(trace)
            model.fit(data.take(args.profiled), verbose=0)
            tf.profiler.experimental.stop()
            times = op_times(Path(trace))
        per_step = {key: ms / args.profiled for key, ms in times.items()}
        total = sum(per_step.values())
        by_part: collections.Counter = collections.Counter()
        by_kind: collections.Counter = collections.Counter()
        for (kind, op), ms in per_step.items():
            by_part[part_of(op)] += ms
            by_kind[kind] += ms
        print(f"\npadded length {length}: {step_ms:.1f} ms per step (wall, fastest of {args.repeats} x {args.steps} "
              f"steps); op time {total:.1f} ms per step summed over threads ({args.profiled} profiled steps)")
        print("| part of the model | op ms per step | share |")
        print("| --- | ---: | ---: |")
        for part, ms in by_part.most_common():
            print(f"| {part} | {ms:.1f} | {ms / total:.0%} |")
        print("| op type (top 8) | op ms per step | share |")
        print("| --- | ---: | ---: |")
        for kind, ms in by_kind.most_common(8):
            print(f"| {kind} | {ms:.1f} | {ms / total:.0%} |")


if __name__ == "__main__":
    main()

"""A whole baseline run, protsweep against upstream ``finetune()`` (issue 23 point 2; goals: one run >= 15x
faster at equal or better test AUC, a 6-job sweep >= 40x faster than six upstream runs).

Same data (hemolysis, deduplicated, protsweep's split of ``data=hemolysis``), same initial backbone weights (one
fixed dump: ``--weights``, or one this script writes from ``--dump-seed`` in upstream's format), same
early-stopping rule (EarlyStopping on val_loss, patience 2, best weights restored; ReduceLROnPlateau patience 1,
x0.25, min 1e-5, as upstream's README passes them):

- upstream: ``finetune()`` with its own defaults (seq_len 512, batch 32, up to 40 epochs per stage, frozen stage
  at lr 1e-2, then all trainable at 1e-4, then 1 final epoch at seq_len 1024), in this process; test AUC from
  the final model at seq_len 1024;
- protsweep: ``python -m protsweep`` with its default baseline (``model.pretrained=required`` on the dump), one
  fresh process, wall from launch to exit; test AUC from its metrics.json;
- the sweep: ``-m seed=0,1,2 head=default,two_layer`` (6 jobs, the basic launcher) on a fresh
  ``paths.cache_dir``, so the frozen features are computed by the first job and read by the other five; against
  six upstream runs (6 x the measured upstream run: upstream has no cache to share).

Do not run the full-size model on a shared machine. The smoke mode shows the script works:

    python bench/bench_whole_run.py --limit 200 --tiny --max-epochs 2          # smoke (tiny model, seconds)
    python bench/bench_whole_run.py --weights ~/proteinbert_models/default.pkl  # the figures (quiet machine)

protsweep's single run brackets upstream's (one before, one after; the ratio uses their mean), and the first line
names the CPU: timings from different CPUs do not compare. Measured (full-size architecture, all of hemolysis, a
quiet machine; about 50 minutes without the sweep on a 2-core Xeon without AVX512_BF16): docs/speed.md.

``--max-epochs`` caps every stage of both (upstream's ``max_epochs_per_stage`` and protsweep's
``trainer.epochs_frozen`` / ``epochs_full``) for smoke runs; without it both use their defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf
from sklearn.metrics import roc_auc_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import compose_config  # noqa: E402
from tests.proteinbert.test_pretrained_dump import write_dump  # noqa: E402


def cpu_description() -> str:
    """The CPU's model name and whether it has AVX512_BF16 (timings taken on different CPUs do not compare)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "CPU unknown"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    return f"{name}, {os.cpu_count()} cores, avx512_bf16 {'yes' if 'avx512_bf16' in info else 'no'}"


def tiny_or_full(tiny: bool) -> list[str]:
    return ["model=proteinbert_tiny"] if tiny else ["model=proteinbert"]


def fixed_dump(path: Path, tiny: bool, seed: int) -> Path:
    """Random backbone weights drawn from ``seed``, written in upstream's dump format."""
    from protsweep.proteinbert.backbone import load_backbone
    from protsweep.proteinbert.tf_env import keras

    cfg = compose_config(*tiny_or_full(tiny), "model.pretrained=random")
    keras.utils.set_random_seed(seed)
    generator = load_backbone(cfg.model).generator
    return write_dump(path, int(generator.n_annotations), generator.create_model(32).get_weights())


def protsweep_overrides(args: argparse.Namespace, dump: Path, shared_data: Path, cache: Path) -> list[str]:
    overrides = [*tiny_or_full(args.tiny), "model.pretrained=required", f"model.weights_path={dump}", "data=hemolysis",
                 f"paths.shared_data={shared_data}", f"paths.cache_dir={cache}", "reuse.enabled=false",
                 "progress=never"]  # fmt: skip
    if args.limit:
        overrides.append(f"data.limit={args.limit}")
    if args.max_epochs:
        overrides += [f"trainer.epochs_frozen={args.max_epochs}", f"trainer.epochs_full={args.max_epochs}"]
    return overrides


def run_protsweep(extra: list[str], work: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "protsweep", *extra], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "USE_TF": "0"}, check=False)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"protsweep failed: {done.stderr.strip()[-2000:]}")
    return wall


def stage_clock(keras: object) -> object:
    """A Keras callback that records, per ``fit`` call (one per upstream stage), its epochs and wall seconds."""

    class StageClock(keras.callbacks.Callback):  # type: ignore[attr-defined, name-defined, misc]
        def __init__(self) -> None:
            super().__init__()
            self.stages: list[list[float]] = []  # per fit: [epochs, seconds]

        def on_train_begin(self, logs: object = None) -> None:
            self.began = time.perf_counter()
            self.stages.append([0, 0.0])

        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            self.stages[-1][0] += 1

        def on_train_end(self, logs: object = None) -> None:
            self.stages[-1][1] = time.perf_counter() - self.began

    return StageClock()


def run_upstream(args: argparse.Namespace, dump: Path, shared_data: Path) -> tuple[float, float]:
    """Upstream's whole ``finetune()`` with its defaults: (wall seconds, test AUC)."""
    from protsweep.data.dataset import load_split_data
    from protsweep.proteinbert.backbone import load_backbone
    from protsweep.proteinbert.tf_env import keras

    cfg = compose_config(*protsweep_overrides(args, dump, shared_data, Path("unused")))
    data = load_split_data(cfg.data)
    from bench_seq_len import UpstreamGenerator  # upstream's generator, its two tf-keras breakages patched
    from proteinbert import InputEncoder, OutputSpec, OutputType, finetune

    keras.utils.set_random_seed(0)
    began = time.perf_counter()
    backbone = load_backbone(cfg.model)
    spec = OutputSpec(OutputType(False, "binary"), [0, 1])
    generator = UpstreamGenerator(backbone.generator, spec, dropout_rate=0.5,
                                  optimizer_class=keras.optimizers.Adam, lr=1e-4)
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(patience=1, factor=0.25, min_lr=1e-05, verbose=0),
        keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True),
    ]
    clock = stage_clock(keras)
    encoder = InputEncoder(backbone.generator.n_annotations)
    epochs = {"max_epochs_per_stage": args.max_epochs} if args.max_epochs else {}
    finetune(generator, encoder, spec, data.train["sequence"], data.train["label"], data.valid["sequence"],
             data.valid["label"], lr=1e-4, lr_with_frozen_pretrained_layers=1e-2, callbacks=[*callbacks, clock],
             **epochs)
    model = generator.create_model(1024)
    x = encoder.encode_X(data.test["sequence"].tolist(), 1024)
    probs = model.predict(x, batch_size=32, verbose=0).ravel()
    wall = time.perf_counter() - began
    print(f"upstream: {len(data.train)} train / {len(data.valid)} valid / {len(data.test)} test; stages (frozen, "
          f"all trainable, final at 1024): " + ", ".join(f"{int(e)} epochs {t:.1f} s" for e, t in clock.stages))
    return wall, float(roc_auc_score(data.test["label"], probs))


def single_run(args: argparse.Namespace, dump: Path, shared_data: Path, work: Path, n: int) -> tuple[float, RunFigures]:
    """One protsweep baseline run in a fresh process, on a fresh cache: (wall seconds, its figures)."""
    run_dir = work / f"single-{n}"
    overrides = protsweep_overrides(args, dump, shared_data, work / f"cache-single-{n}")
    wall = run_protsweep([*overrides, f"hydra.run.dir={run_dir}"], work)
    figures = RunFigures.read(run_dir)
    print(f"protsweep run {n}: {wall:.1f} s; wall seconds {figures.wall_seconds}; epochs per stage {figures.epochs}")
    return wall, figures


@dataclass(frozen=True)
class RunFigures:
    """What the bench prints of one protsweep run folder, each file read once."""

    auc: float  # test AUC
    wall_seconds: dict[str, float]  # run.json's per-part wall time
    epochs: dict[str, int]  # epochs run per stage
    backbone_passes: int | None  # frozen-stage backbone batches (0: every feature read from the shared cache)

    @classmethod
    def read(cls, run_dir: Path) -> RunFigures:
        metrics = json.loads((run_dir / "metrics.json").read_text())
        stages = metrics["stages"]
        return cls(float(metrics["test"]["auc"]), json.loads((run_dir / "run.json").read_text())["wall_seconds"],
                   {name: stage["epochs_run"] for name, stage in stages.items()},
                   stages.get("frozen", {}).get("backbone_passes"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--weights", type=Path, default=None, help="a ProteinBERT dump (default: write one)")
    parser.add_argument("--dump-seed", type=int, default=0)
    parser.add_argument("--tiny", action="store_true", help="model=proteinbert_tiny (smoke runs)")
    parser.add_argument("--limit", type=int, default=None, help="data.limit (smoke runs)")
    parser.add_argument("--max-epochs", type=int, default=None, help="cap every stage of both (smoke runs)")
    parser.add_argument("--no-sweep", action="store_true", help="the single runs only")
    parser.add_argument("--upstream-measured", default=None, metavar="SECONDS,AUC",
                        help="skip the upstream run and quote this earlier measurement of it (printed as such)")
    args = parser.parse_args()
    shared_data = args.shared_data.resolve()
    with tempfile.TemporaryDirectory(prefix="protsweep-whole-") as tmp:
        work = Path(tmp)
        dump = args.weights.expanduser().resolve() if args.weights else fixed_dump(work / "dump.pkl", args.tiny,
                                                                                   args.dump_seed)
        print(f"hemolysis{f' limit {args.limit}' if args.limit else ''}, "
              f"{'proteinbert_tiny' if args.tiny else 'proteinbert'}, weights {dump}, "
              f"epochs {'capped at ' + str(args.max_epochs) if args.max_epochs else 'defaults'}; "
              f"load average {os.getloadavg()[0]:.2f}; {cpu_description()}")
        # protsweep's single run brackets upstream's (before and after it): this VM's speed drifts over the half
        # hour an upstream run takes, and the mean of the two is what the ratio uses.
        singles = [single_run(args, dump, shared_data, work, 1)]
        if args.upstream_measured:
            up_wall, up_auc = (float(v) for v in args.upstream_measured.split(","))
            print(f"upstream NOT RUN: quoting an earlier run on this machine, {up_wall:.1f} s, AUC {up_auc:.4f}")
        else:
            up_wall, up_auc = run_upstream(args, dump, shared_data)
            singles.append(single_run(args, dump, shared_data, work, 2))
        ours_wall = float(np.mean([wall for wall, _ in singles]))
        ours_auc = singles[0][1].auc
        print("| run | wall (s) | test AUC |")
        print("| --- | ---: | ---: |")
        print(f"| upstream finetune(), its defaults | {up_wall:.1f} | {up_auc:.4f} |")
        for n, (wall, figures) in enumerate(singles, 1):
            when = ("before upstream", "after upstream")[n - 1] if len(singles) > 1 else "one process"
            print(f"| protsweep default baseline ({when}) | {wall:.1f} | {figures.auc:.4f} |")
        each = ", ".join(f"{up_wall / wall:.1f}x" for wall, _ in singles)
        print(f"whole run: {up_wall / ours_wall:.1f}x faster against protsweep's mean {ours_wall:.1f} s (each: {each}; "
              f"goal >= 15x at equal or better AUC); delta AUC {ours_auc - up_auc:+.4f}; "
              f"load average {os.getloadavg()[0]:.2f}")
        if args.no_sweep:
            return
        sweep_dir = work / "sweep"
        sweep = [*protsweep_overrides(args, dump, shared_data, work / "cache-sweep"), "seed=0,1,2",
                 "head=default,two_layer", "+hydra.callbacks.aggregate.enabled=false", f"hydra.sweep.dir={sweep_dir}"]
        sweep_wall = run_protsweep(["-m", *sweep], work)
        jobs = {p.parent.name: RunFigures.read(p.parent) for p in sorted(sweep_dir.glob("*/metrics.json"))}
        for name, job in jobs.items():
            print(f"  job {name}: wall seconds {job.wall_seconds}; epochs per stage {job.epochs}")
        aucs = [job.auc for job in jobs.values()]
        passes = [job.backbone_passes for job in jobs.values()]
        print(f"6-job sweep (seed=0,1,2 x head=default,two_layer): {sweep_wall:.1f} s; six upstream runs "
              f"EXTRAPOLATED as 6 x the one measured upstream run ({up_wall:.1f} s; upstream has no cache to "
              f"share, so each of its runs costs the same) {6 * up_wall:.1f} s: {6 * up_wall / sweep_wall:.1f}x "
              "(goal >= 40x); "
              f"frozen-stage backbone batches per job {passes}; test AUC mean {np.mean(aucs):.4f} "
              f"({len(aucs)} jobs); load average {os.getloadavg()[0]:.2f}")
        print("config:", OmegaConf.to_yaml(OmegaConf.create({"protsweep": sweep})).strip().replace("\n", " "))


if __name__ == "__main__":
    main()

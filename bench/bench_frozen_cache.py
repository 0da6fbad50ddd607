"""Frozen-stage feature caching (issue 13): seconds per frozen-stage epoch with the backbone run on every batch
(before) and with the head trained on features computed once (after), then the whole baseline run's stages.

Both arms run in this process, one after the other, on the same data, model and seed; each epoch is timed by
a callback (the first epoch of the cached arm includes computing the features). Wall-clock on a shared
machine: read the ratio, not the seconds, and repeat when the machine is busy.

    python bench/bench_frozen_cache.py --data ../shared/data/hemolysis/hemolysis.csv --limit 1500
    python bench/bench_frozen_cache.py --data hemolysis --stage-epochs 40 --whole-run   # its default stages

``--stage-epochs`` caps each stage's epochs (the defaults are 40 + 40, with early stopping) for time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from protsweep.callbacks import CallbackHandler, TrainerCallback
from protsweep.config_objects import as_object
from protsweep.config_store import register_schemas
from protsweep.data.dataset import load_split_data
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.encoding import resolve_seq_len
from protsweep.proteinbert.losses import keras_loss
from protsweep.proteinbert.model import build_model
from protsweep.proteinbert.stages import plan_stages
from protsweep.proteinbert.tf_env import keras
from protsweep.proteinbert.trainer import FineTuner
from protsweep.schema import CallbackConfig

REPO = Path(__file__).resolve().parents[1]


class EpochTimer(TrainerCallback):
    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = time.perf_counter()

    def on_stage_begin(self, stage: str) -> None:
        self._start = time.perf_counter()  # the cached arm's features are computed in the first epoch: see run_stages

    def on_epoch_end(self, stage: str, epoch: int, logs: Any) -> None:
        now = time.perf_counter()
        self.seconds.append(now - self._start)
        self._start = now


def config(args: argparse.Namespace, *extra: str) -> Any:
    if args.data.endswith(".csv"):
        data = ["data=csv", f"data.source.path={Path(args.data).resolve()}", "data.source.sequence_col=sequence",
                "data.source.label_col=label"]
    else:  # a data option (hemolysis, signalp) read from the shared data folder, with its own cleaning and split
        data = [f"data={args.data}", f"paths.shared_data={Path(args.shared_data).resolve()}"]
    epochs = [f"trainer.epochs_frozen={args.stage_epochs}", f"trainer.epochs_full={args.stage_epochs}"]
    overrides = [f"model={args.model}", *data, *epochs, *extra]
    if args.limit:
        overrides.append(f"data.limit={args.limit}")
    register_schemas()
    with initialize_config_dir(str(REPO / "conf"), version_base=None):
        return compose("config", overrides=overrides)


def run_stages(
    cfg: Any, cache: bool, frozen_only: bool, feature_memory_mb: float = 2048.0
) -> tuple[list[float], float, list[float]]:
    """(frozen-stage epoch seconds, seconds to the end of the last stage, every stage's seconds).
    ``feature_memory_mb=0`` puts the cached features in memory-mapped files."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    data = load_split_data(cfg.data)
    train = data.train
    seq_len = resolve_seq_len(cfg.trainer.seq_len, train["sequence"].tolist())
    stages = plan_stages(cfg.trainer, seq_len)[: 1 if frozen_only else None]
    backbone = load_backbone(cfg.model)
    timer = EpochTimer()
    tuner = FineTuner(
        model=build_model(backbone.generator, instantiate(cfg.features), instantiate(cfg.head)),
        make_loss=keras_loss(cfg.loss), make_optimizer=instantiate(cfg.optimizer),
        stopping=as_object(CallbackConfig, cfg.callback),
        n_annotations=int(backbone.generator.n_annotations), eval_batch_size=int(cfg.trainer.eval_batch_size),
        cache_frozen=cache, feature_memory_mb=feature_memory_mb,
    )
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    frozen: list[float] = []
    stage_seconds = []
    for stage in stages:
        stage_start = time.perf_counter()
        tuner.callbacks = CallbackHandler([timer] if stage.freeze_backbone else [])
        tuner.train_stage(stage, train["sequence"].tolist(), train["label"].to_numpy(),
                          data.valid["sequence"].tolist(), data.valid["label"].to_numpy(), rng)
        if stage.freeze_backbone:
            # the first epoch carries everything before fit (the feature computation, when cached)
            frozen = list(timer.seconds)
            frozen[0] += (time.perf_counter() - stage_start) - sum(timer.seconds)
        stage_seconds.append(time.perf_counter() - stage_start)
    return frozen, time.perf_counter() - start, stage_seconds


def data_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The arguments every ProteinBERT training bench takes: data, shared data folder, model, limit."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a CSV (columns sequence, label) or a data option: hemolysis")
    parser.add_argument("--shared-data", default="../shared/data", help="where data options find their files")
    parser.add_argument("--model", default="proteinbert", help="proteinbert | proteinbert_tiny")
    parser.add_argument("--limit", type=int, default=0, help="subsample the data (0: all)")
    return parser


def main() -> None:
    parser = data_arguments(__doc__)
    parser.add_argument("--stage-epochs", type=int, default=4, help="cap on each stage's epochs")
    parser.add_argument("--whole-run", action="store_true", help="also time the baseline's stages (frozen + full)")
    args = parser.parse_args()
    cfg = config(args)
    print(flush=True)
    print(f"model={args.model} data={args.data} limit={args.limit or 'all'} stage epochs <= {args.stage_epochs}")
    arms = {"off": (False, 2048.0), "in memory": (True, 2048.0), "on disk": (True, 0.0)}
    # with --whole-run, the off and in-memory arms run every stage and their frozen epochs are read from there
    runs = {arm: run_stages(cfg, cache, not (args.whole_run and arm != "on disk"), budget)
            for arm, (cache, budget) in arms.items()}
    frozen = {arm: run[0] for arm, run in runs.items()}
    for arm, seconds in frozen.items():
        print(f"frozen stage, cache {arm:>9}: epochs " + " ".join(f"{s:.2f}" for s in seconds))
    later = {arm: statistics.median(s[1:]) if len(s) > 1 else s[0] for arm, s in frozen.items()}
    for arm in ("in memory", "on disk"):
        print(f"frozen-stage epoch after the first, cache {arm}: before {later['off']:.2f} s, after "
              f"{later[arm]:.2f} s, speed-up {later['off'] / later[arm]:.1f}x (goal >= 5x); first epoch "
              f"{frozen['off'][0]:.2f} s -> {frozen[arm][0]:.2f} s (includes the features)")
    if args.whole_run:
        for arm in ("off", "in memory"):
            _, total, stages = runs[arm]
            print(f"baseline stages, cache {arm}: {total:.1f} s (per stage: {', '.join(f'{s:.1f}' for s in stages)})")
        print(f"whole baseline run: speed-up {runs['off'][1] / runs['in memory'][1]:.2f}x")

if __name__ == "__main__":
    main()

"""Layer-wise learning rates (C2, issue 13: <= 1.15x the baseline's epoch time): seconds per training epoch of
one all-trainable stage with each optimizer, on the same data, model weights and batches.

Arms, each in this process one after the other (the first epoch pays for tracing, so the figure is the median
of the later epochs):
- ``keras adam``: tf-keras' element-wise Adam (the baseline before fused updates);
- ``fused adam``: the baseline now (``optimizer=adam``: one ``ResourceApplyAdam`` kernel per variable);
- ``layerwise, per-op``: the former layer-wise implementation (``UnfusedLayerwiseAdam``);
- ``layerwise, fused``: ``optimizer=layerwise`` now.
The epoch includes the per-epoch validation pass, as in a run. Wall-clock: on a shared machine read the ratios.

    python bench/bench_layerwise.py --data ../shared/data/hemolysis/hemolysis.csv --limit 1500 --epochs 4
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_frozen_cache import EpochTimer, config, data_arguments
from hydra.utils import instantiate

from protsweep.callbacks import CallbackHandler
from protsweep.config_objects import as_object
from protsweep.data.dataset import load_split_data
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.encoding import resolve_seq_len
from protsweep.proteinbert.features import head_layer_names
from protsweep.proteinbert.layerwise_adam import FusedAdam, LayerwiseAdam, UnfusedLayerwiseAdam
from protsweep.proteinbert.losses import keras_loss
from protsweep.proteinbert.model import build_model
from protsweep.proteinbert.optimizers import head_variable_names
from protsweep.proteinbert.stages import Stage
from protsweep.proteinbert.tf_env import keras
from protsweep.proteinbert.trainer import FineTuner
from protsweep.schema import CallbackConfig

BACKBONE_LR, HEAD_LR = 1e-5, 1e-3


def layerwise(optimizer_class: type) -> Callable[..., Any]:
    def make(lr: float, model: Any) -> Any:
        names = head_variable_names(model, head_layer_names(model))
        multiplier = BACKBONE_LR / HEAD_LR
        return optimizer_class(learning_rate=HEAD_LR, head_variable_names=names, backbone_multiplier=multiplier)
    return make


ARMS: dict[str, Callable[..., Any]] = {
    "keras adam": lambda lr, model: keras.optimizers.Adam(learning_rate=lr),
    "fused adam": lambda lr, model: FusedAdam(learning_rate=lr),
    "layerwise, per-op": layerwise(UnfusedLayerwiseAdam),
    "layerwise, fused": layerwise(LayerwiseAdam),
}


def epoch_seconds(cfg: Any, make_optimizer: Callable[..., Any], epochs: int) -> list[float]:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    data = load_split_data(cfg.data)
    sequences = data.train["sequence"].tolist()
    seq_len = resolve_seq_len(cfg.trainer.seq_len, sequences)
    backbone = load_backbone(cfg.model)
    timer = EpochTimer()
    tuner = FineTuner(
        model=build_model(backbone.generator, instantiate(cfg.features), instantiate(cfg.head)),
        make_loss=keras_loss(cfg.loss), make_optimizer=make_optimizer,
        stopping=as_object(CallbackConfig, cfg.callback),
        n_annotations=int(backbone.generator.n_annotations), eval_batch_size=int(cfg.trainer.eval_batch_size),
        callbacks=CallbackHandler([timer]),
    )
    stage = Stage("full", epochs, 1e-4, False, seq_len, int(cfg.trainer.batch_size))
    tuner.train_stage(stage, sequences, data.train["label"].to_numpy(), data.valid["sequence"].tolist(),
                      data.valid["label"].to_numpy(), np.random.default_rng(0))
    return timer.seconds


def main() -> None:
    parser = data_arguments(__doc__)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    args.stage_epochs = args.epochs
    # no early stopping: every arm runs every epoch
    cfg = config(args, "callback.patience=1000", "callback.reduce_lr=null")
    print(f"model={args.model} data={args.data} limit={args.limit or 'all'} epochs {args.epochs}", flush=True)
    later: dict[str, float] = {}
    for name, make in ARMS.items():
        start = time.perf_counter()
        seconds = epoch_seconds(cfg, make, args.epochs)
        later[name] = statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]
        print(f"{name:>18}: epochs {' '.join(f'{s:.2f}' for s in seconds)} s; median after the first "
              f"{later[name]:.2f} s ({time.perf_counter() - start:.0f} s in all)", flush=True)
    print(f"layer-wise / baseline epoch, before (per-op vs keras adam): "
          f"{later['layerwise, per-op'] / later['keras adam']:.2f}x")
    print(f"layer-wise / baseline epoch, now (fused vs fused adam): "
          f"{later['layerwise, fused'] / later['fused adam']:.2f}x (goal <= 1.15x)")
    print(f"layer-wise now / the former keras-adam baseline: {later['layerwise, fused'] / later['keras adam']:.2f}x")


if __name__ == "__main__":
    main()

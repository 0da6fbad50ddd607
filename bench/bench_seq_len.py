"""Training epochs on hemolysis (deduplicated): protsweep (seq_len auto, bucket padding) vs upstream
``finetune()`` with its defaults (seq_len 512, batch 32), same split, same model size, same initial
weights. Prints seconds per epoch (the first includes one-off graph tracing; later ones are steady
state), the speed ratios and the test AUC of each after the last epoch.

    python bench/bench_seq_len.py [--data-path ../shared/data/hemolysis/hemolysis.csv] [--limit N]

Uses ~/proteinbert_models/default.pkl when present (--weights), else the same random init for both.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from bench_frozen_cache import EpochTimer
from omegaconf import OmegaConf
from sklearn.metrics import roc_auc_score

from protsweep.callbacks import CallbackHandler
from protsweep.data.dataset import load_split_data
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.config import ProteinBertModelConfig
from protsweep.proteinbert.encoding import fitting_seq_len
from protsweep.proteinbert.features import LastGlobal
from protsweep.proteinbert.heads import DefaultHead
from protsweep.proteinbert.model import build_model
from protsweep.proteinbert.optimizers import adam
from protsweep.proteinbert.stages import Stage
from protsweep.proteinbert.tf_env import keras
from protsweep.proteinbert.trainer import FineTuner
from protsweep.schema import CallbackConfig, Mode, Monitor

from proteinbert import FinetuningModelGenerator, InputEncoder, OutputSpec, OutputType, finetune  # isort: skip
from proteinbert.model_generation import copy_weights  # isort: skip


class KerasEpochTimer(keras.callbacks.Callback):
    """Upstream's epochs (Keras callbacks); protsweep's are timed through its callback protocol."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._started)


class UpstreamGenerator(FinetuningModelGenerator):
    """Upstream's fine-tuning generator with the two tf-keras breakages patched, nothing else."""

    def _init_weights(self, model):
        if self.model_weights is not None:
            model.set_weights(copy_weights(self.model_weights))

    def update_state(self, model):
        self.model_weights = copy_weights(model.get_weights())
        self.optimizer_weights = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-path", default="../shared/data/hemolysis/hemolysis.csv")
    parser.add_argument("--weights", default="~/proteinbert_models/default.pkl")
    parser.add_argument("--limit", type=int, default=None, help="subsample for a quick check")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per setting (the first includes tracing)")
    args = parser.parse_args()

    data = load_split_data(OmegaConf.create({
        "name": "hemolysis", "dedup": "majority", "split_seed": 0, "valid_frac": 0.1, "test_frac": 0.2,
        "limit": args.limit, "alphabet": "ACDEFGHIKLMNPQRSTVWY",
        "source": {"_target_": "protsweep.data.sources.CsvSource", "path": args.data_path},
    }))
    print(f"hemolysis after dedup: {data.report['splits']}")
    model_cfg = OmegaConf.merge(OmegaConf.structured(ProteinBertModelConfig),
                                {"pretrained": "auto", "weights_path": args.weights})
    backbone = load_backbone(model_cfg)
    initial = backbone.generator.create_model(16).get_weights()
    print(f"backbone: {backbone.pretrained}")
    train_seqs, train_y = data.train["sequence"], data.train["label"]

    # ---- protsweep: seq_len auto, bucket padding, unfrozen epochs
    keras.utils.set_random_seed(0)
    backbone.generator.model_weights = copy_weights(initial)
    seq_len = fitting_seq_len(train_seqs.tolist())
    tuner = FineTuner(
        model=build_model(backbone.generator, LastGlobal(), DefaultHead(0.5)),
        make_loss=lambda: keras.losses.BinaryCrossentropy(), make_optimizer=adam,
        stopping=CallbackConfig(monitor=Monitor.val_loss, mode=Mode.min, patience=2, restore_best=True, reduce_lr=None),
        n_annotations=backbone.generator.n_annotations, padding="bucket",
        callbacks=CallbackHandler([ours_timer := EpochTimer()]),
    )
    tuner.train_stage(Stage("full", args.epochs, args.lr, False, seq_len, 32), train_seqs.tolist(), train_y.to_numpy(),
                      data.valid["sequence"].tolist(), data.valid["label"].to_numpy(), np.random.default_rng(0))
    ours_auc = roc_auc_score(data.test["label"], tuner.predict(data.test["sequence"].tolist(), seq_len))

    # ---- upstream finetune(): defaults (seq_len 512, batch 32), unfrozen epochs, no final stage
    keras.utils.set_random_seed(0)
    backbone.generator.model_weights = copy_weights(initial)
    spec = OutputSpec(OutputType(False, "binary"), [0, 1])
    upstream = UpstreamGenerator(backbone.generator, spec, dropout_rate=0.5, optimizer_class=keras.optimizers.Adam,
                                 lr=args.lr)
    upstream_timer = KerasEpochTimer()
    finetune(upstream, InputEncoder(backbone.generator.n_annotations), spec, train_seqs, train_y,
             data.valid["sequence"], data.valid["label"], max_epochs_per_stage=args.epochs, lr=args.lr,
             begin_with_frozen_pretrained_layers=False, n_final_epochs=0, callbacks=[upstream_timer])
    model = upstream.create_model(512)
    x = InputEncoder(backbone.generator.n_annotations).encode_X(data.test["sequence"].tolist(), 512)
    upstream_auc = roc_auc_score(data.test["label"], model.predict(x, batch_size=32, verbose=0).ravel())

    ours_s, upstream_s = ours_timer.seconds, upstream_timer.seconds
    table = pd.DataFrame(
        {"setting": ["protsweep (seq_len auto, bucket padding)", "upstream finetune() (seq_len 512)"],
         "seq_len": [seq_len, 512],
         "first_epoch_s": [round(ours_s[0], 1), round(upstream_s[0], 1)],
         "later_epoch_s": [round(float(np.mean(ours_s[1:])), 1) if len(ours_s) > 1 else None,
                           round(float(np.mean(upstream_s[1:])), 1) if len(upstream_s) > 1 else None],
         f"test_auc_after_{args.epochs}": [round(ours_auc, 4), round(upstream_auc, 4)]}
    )
    print(table.to_string(index=False))
    print(f"speed-up, first epoch: {upstream_s[0] / ours_s[0]:.1f}x (tracing included)")
    if len(ours_s) > 1:
        print(f"speed-up, later epochs: {np.mean(upstream_s[1:]) / np.mean(ours_s[1:]):.1f}x")
    print(f"goal: >= 10x at equal AUC; delta test AUC {ours_auc - upstream_auc:+.4f}")


if __name__ == "__main__":
    main()

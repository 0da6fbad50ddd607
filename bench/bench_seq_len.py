"""One training epoch on hemolysis (deduplicated): protsweep (seq_len auto, bucket padding) vs upstream
``finetune()`` with its defaults (seq_len 512, batch 32), same split, same model size, same initial
weights. Prints seconds per epoch, the speed ratio and the test AUC of each.

    python bench/bench_seq_len.py [--data-path ../shared/data/hemolysis/hemolysis.csv] [--limit N]

Uses ~/proteinbert_models/default.pkl when present (--weights), else the same random init for both.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from sklearn.metrics import roc_auc_score

from protsweep.data.dataset import load_split_data
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.heads import DefaultHead
from protsweep.proteinbert.model import Architecture, build_model
from protsweep.proteinbert.stages import Stage
from protsweep.proteinbert.tf_env import keras
from protsweep.proteinbert.trainer import FineTuner
from protsweep.schema import ProteinBertModelConfig

from proteinbert import FinetuningModelGenerator, InputEncoder, OutputSpec, OutputType, finetune  # isort: skip
from proteinbert.model_generation import copy_weights  # isort: skip


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

    # ---- protsweep: seq_len auto, bucket padding, one unfrozen epoch
    keras.utils.set_random_seed(0)
    backbone.generator.model_weights = copy_weights(initial)
    seq_len = int(np.ceil((train_seqs.str.len().max() + 2) / 8) * 8)
    tuner = FineTuner(
        model=build_model(backbone.generator, Architecture(DefaultHead(0.5))),
        make_loss=lambda: keras.losses.BinaryCrossentropy(), optimizer_cfg=OmegaConf.create({"name": "adam"}),
        callback_cfg=OmegaConf.create({"monitor": "val_loss", "mode": "min", "patience": 2, "restore_best": True,
                                       "reduce_lr": None}),
        n_annotations=backbone.generator.n_annotations, padding="bucket",
    )
    started = time.perf_counter()
    tuner.train_stage(Stage("full", 1, args.lr, False, seq_len, 32), train_seqs.tolist(), train_y.to_numpy(),
                      data.valid["sequence"].tolist(), data.valid["label"].to_numpy(), np.random.default_rng(0))
    ours_s = time.perf_counter() - started
    ours_auc = roc_auc_score(data.test["label"], tuner.predict(data.test["sequence"].tolist(), seq_len))

    # ---- upstream finetune(): defaults (seq_len 512, batch 32), one unfrozen epoch, no final stage
    keras.utils.set_random_seed(0)
    backbone.generator.model_weights = copy_weights(initial)
    spec = OutputSpec(OutputType(False, "binary"), [0, 1])
    upstream = UpstreamGenerator(backbone.generator, spec, dropout_rate=0.5, optimizer_class=keras.optimizers.Adam,
                                 lr=args.lr)
    started = time.perf_counter()
    finetune(upstream, InputEncoder(backbone.generator.n_annotations), spec, train_seqs, train_y,
             data.valid["sequence"], data.valid["label"], max_epochs_per_stage=1, lr=args.lr,
             begin_with_frozen_pretrained_layers=False, n_final_epochs=0)
    upstream_s = time.perf_counter() - started
    model = upstream.create_model(512)
    x = InputEncoder(backbone.generator.n_annotations).encode_X(data.test["sequence"].tolist(), 512)
    upstream_auc = roc_auc_score(data.test["label"], model.predict(x, batch_size=32, verbose=0).ravel())

    table = pd.DataFrame(
        {"setting": ["protsweep (seq_len auto, bucket padding)", "upstream finetune() (seq_len 512)"],
         "seq_len": [seq_len, 512], "epoch_s": [round(ours_s, 1), round(upstream_s, 1)],
         "test_auc": [round(ours_auc, 4), round(upstream_auc, 4)]}
    )
    print(table.to_string(index=False))
    print(f"speed-up: {upstream_s / ours_s:.1f}x  (goal >= 10x at equal AUC; delta AUC {ours_auc - upstream_auc:+.4f})")


if __name__ == "__main__":
    main()

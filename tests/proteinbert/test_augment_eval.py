"""Augmentation touches training data only: through the real runner, every sequence the model is fed is
either an original sequence or the augmenter's output, the augmenter only ever sees training sequences,
and valid and test are predicted from their original sequences."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from protsweep.data.dataset import load_split_data
from protsweep.proteinbert import encoding, runner
from protsweep.record import RunRecord

from ..conftest import compose_config

ALPHABET = np.array(list("ACDEFGHIKLMNPQRSTVWY"))


def write_data(path: Path, n: int = 120) -> Path:
    rng = np.random.default_rng(0)
    seqs = {"".join(rng.choice(ALPHABET, size=int(k))) for k in rng.integers(20, 40, size=n)}
    frame = pd.DataFrame({"sequence": sorted(seqs)})
    frame["label"] = rng.integers(0, 2, size=len(frame))
    frame.to_csv(path, index=False)
    return path


def compose_cfg(overrides: list[str]) -> Any:
    return compose_config(*overrides)


@pytest.mark.parametrize("augment", ["truncate", "blosum", "truncate_blosum"])
def test_augmentation_never_reaches_valid_or_test(augment: str, tmp_path: Path, monkeypatch) -> None:
    cfg = compose_cfg(
        [
            "model=proteinbert_tiny",
            "data=csv",
            f"data.source.path={write_data(tmp_path / 'data.csv')}",
            f"augment={augment}",
            *({"blosum": ["augment.p=0.3"], "truncate_blosum": ["augment.steps.blosum.p=0.3"]}.get(augment, [])),
            "trainer.freeze=none",
            "trainer.epochs_full=2",
            "trainer.batch_size=16",
            "callback.patience=5",
        ]
    )
    split = load_split_data(cfg.data)
    train, held_out = set(split.train["sequence"]), set(split.valid["sequence"]) | set(split.test["sequence"])

    augmenter_inputs: list[str] = []
    augmenter_outputs: set[str] = set()
    real_instantiate = runner.instantiate

    def spying_build(node: Any, *args: Any, **kwargs: Any) -> Any:
        real = real_instantiate(node, *args, **kwargs)
        if not str(node.get("_target_", "")).startswith("protsweep.augment."):
            return real
        assert real is not None

        def augment_and_record(seqs: list[str], rng: np.random.Generator) -> list[str]:
            out = real(seqs, rng)
            augmenter_inputs.extend(seqs)
            augmenter_outputs.update(out)
            return out

        return augment_and_record

    fed: list[str] = []
    real_encode = encoding.encode

    def recording_encode(sequences: Any, *args: Any, **kwargs: Any) -> Any:
        fed.extend(sequences)
        return real_encode(sequences, *args, **kwargs)

    monkeypatch.setattr(runner, "instantiate", spying_build)
    patched = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("protsweep.") and getattr(module, "encode", None) is real_encode:
            monkeypatch.setattr(module, "encode", recording_encode)
            patched += 1
    assert patched >= 1

    record = RunRecord(tmp_path / "run")
    record.run_dir.mkdir()
    record.start(seed=0)
    runner.train_and_evaluate(cfg, record.run_dir, record)

    assert augmenter_inputs and set(augmenter_inputs) <= train  # the augmenter saw training data only
    assert augmenter_outputs - train  # and it did change some of it
    assert held_out <= set(fed)  # valid and test were fed unchanged ...
    assert set(fed) <= train | held_out | augmenter_outputs  # ... and nothing else reached the model
    predictions = pd.read_csv(record.run_dir / "predictions.csv")
    for name in ("valid", "test"):
        assert sorted(predictions.query("split == @name")["sequence"]) == sorted(split.split(name)["sequence"])

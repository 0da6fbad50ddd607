"""The pretrained-weights path, tested on a dump the test writes in upstream's format."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from omegaconf import OmegaConf

from protsweep.errors import ProtsweepError
from protsweep.proteinbert.backbone import load_backbone
from protsweep.proteinbert.features import LastGlobal
from protsweep.proteinbert.heads import DefaultHead
from protsweep.proteinbert.model import build_model

TINY = {"name": "t", "family": "proteinbert", "runner": "x", "download": False, "d_hidden_seq": 16,
        "d_hidden_global": 32, "n_blocks": 2, "n_heads": 2, "d_key": 8, "conv_kernel_size": 9,
        "wide_conv_dilation_rate": 5, "n_annotations": 16}



def write_dump(path: Path, n_annotations: int, weights: list[np.ndarray], optimizer_weights: Any = None) -> Path:
    """Write weights in upstream's dump format (a pickle of (n_annotations, weights, optimizer weights))."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump((n_annotations, weights, optimizer_weights), handle)
    return path

def model_cfg(pretrained: str, path: Path, **kw) -> object:
    return OmegaConf.create({**TINY, "pretrained": pretrained, "weights_path": str(path), **kw})


def random_dump(path: Path) -> list[np.ndarray]:
    generator = load_backbone(model_cfg("random", path)).generator
    weights = [w + np.float32(0.01) for w in generator.create_model(32).get_weights()]
    write_dump(path, 16, weights, optimizer_weights=[np.zeros(3)])
    return weights


def test_dump_format_is_upstreams_pickle(tmp_path: Path) -> None:
    weights = random_dump(tmp_path / "d.pkl")
    with (tmp_path / "d.pkl").open("rb") as handle:
        n_annotations, stored, optimizer = pickle.load(handle)
    assert n_annotations == 16 and len(stored) == len(weights) and optimizer is not None


@pytest.mark.parametrize("mode", ["required", "auto"])
def test_dump_loads_back_identically(tmp_path: Path, mode: str) -> None:
    weights = random_dump(tmp_path / "d.pkl")
    backbone = load_backbone(model_cfg(mode, tmp_path / "d.pkl"))
    assert backbone.pretrained == f"loaded {tmp_path / 'd.pkl'}"
    for seq_len in (24, 64):  # weights do not depend on the length
        loaded = backbone.generator.create_model(seq_len).get_weights()
        assert len(loaded) == len(weights)
        for a, b in zip(loaded, weights, strict=True):
            np.testing.assert_array_equal(a, b)
    # ... and the fine-tuning model starts from them
    model = build_model(backbone.generator, LastGlobal(), DefaultHead())
    reference = backbone.generator.create_model(24)
    compared = 0
    present = {layer.name for layer in model.layers}
    for layer in reference.layers:
        if layer.name == "output-seq":  # the residue-prediction output is not part of the classifier
            assert layer.name not in present
            continue
        for a, b in zip(model.get_layer(layer.name).get_weights(), layer.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
            compared += 1
    assert compared == len(weights) - 2  # all but output-seq's kernel and bias


def test_true_without_dump_fails_naming_path_and_source(tmp_path: Path) -> None:
    with pytest.raises(ProtsweepError) as err:
        load_backbone(model_cfg("required", tmp_path / "missing.pkl"))
    message = str(err.value)
    assert str(tmp_path / "missing.pkl") in message
    assert "epoch_92400_sample_23500000.pkl" in message and "model.weights_path" in message


def test_auto_without_dump_is_random_and_loud(tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        backbone = load_backbone(model_cfg("auto", tmp_path / "missing.pkl"))
    assert backbone.pretrained.startswith("random (auto: no dump at")
    assert "RANDOM INIT" in caplog.text


def test_false_ignores_an_existing_dump(tmp_path: Path) -> None:
    random_dump(tmp_path / "d.pkl")
    assert load_backbone(model_cfg("random", tmp_path / "d.pkl")).pretrained == "random"


def test_dump_of_another_architecture_is_refused(tmp_path: Path) -> None:
    random_dump(tmp_path / "d.pkl")
    with pytest.raises(ProtsweepError, match="do not fit the configured architecture"):
        load_backbone(model_cfg("required", tmp_path / "d.pkl", n_blocks=3))


def test_corrupt_dump_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ProtsweepError, match="not a ProteinBERT dump"):
        load_backbone(model_cfg("required", tmp_path / "d.pkl"))


def test_bad_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'maybe' is not a valid Pretrained"):
        load_backbone(model_cfg("maybe", tmp_path / "d.pkl"))

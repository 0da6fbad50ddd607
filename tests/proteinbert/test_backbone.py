"""One length-dynamic backbone replaces upstream's model-per-seq_len without changing any output."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from protsweep.proteinbert.backbone import DynamicLengthGlobalAttention, load_backbone
from protsweep.proteinbert.encoding import encode

from proteinbert.conv_and_global_attention_model import GlobalAttention  # isort: skip

TINY = {"name": "t", "family": "proteinbert", "runner": "x", "download": False, "pretrained": "random",
        "weights_path": "/nonexistent", "d_hidden_seq": 16, "d_hidden_global": 32, "n_blocks": 2, "n_heads": 2,
        "d_key": 8, "conv_kernel_size": 9, "wide_conv_dilation_rate": 5, "n_annotations": 16}


@pytest.fixture(scope="module")
def generator():
    gen = load_backbone(OmegaConf.create(TINY)).generator
    gen.model_weights = gen.create_model(24).get_weights()  # fix one set of weights for every model below
    return gen


def test_dynamic_model_uses_the_dynamic_attention(generator) -> None:
    dynamic = generator.create_model(None)
    attention = [layer for layer in dynamic.layers if isinstance(layer, GlobalAttention)]
    assert len(attention) == TINY["n_blocks"]
    assert all(isinstance(layer, DynamicLengthGlobalAttention) for layer in attention)
    assert dynamic.inputs[0].shape.as_list() == [None, None]


@pytest.mark.parametrize("length", [8, 24, 64, 200])
def test_outputs_equal_upstreams_fixed_length_model(generator, length: int) -> None:
    sequences = ["ACDEFGHIKLMNPQRSTVWY"[: max(1, length - 6)], "KW", "M" * (length - 2)]
    x = encode(sequences, length, TINY["n_annotations"])
    fixed = generator.create_model(length)
    dynamic = generator.create_model(None)
    for a, b in zip(fixed.predict(x, verbose=0), dynamic.predict(x, verbose=0), strict=True):
        np.testing.assert_array_equal(a, b)


def test_padding_changes_upstream_outputs(generator) -> None:
    """Why protsweep pads each sequence the same way in training and evaluation: PAD is not ignored."""
    dynamic = generator.create_model(None)
    short = dynamic.predict(encode(["ACDKLW"], 8, 16), verbose=0)[1]
    long = dynamic.predict(encode(["ACDKLW"], 64, 16), verbose=0)[1]
    assert not np.allclose(short, long)

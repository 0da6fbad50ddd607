"""The pair network: symmetry, shared vs separate encoders, masks, losses, and config combinations."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError
from protsweep.schema import BceLossConfig, ContrastiveLossConfig, Distance, FocalLossConfig
from protsweep.siamese.loss_heads import check_config
from protsweep.siamese.net.build import build_network
from protsweep.siamese.net.encoder import CnnTransformerEncoder
from protsweep.siamese.net.heads import PairOutput, distance_score
from protsweep.siamese.net.losses import build_loss
from protsweep.siamese.net.model import PairModel, count_parameters
from protsweep.siamese.schema import PairHead, SiameseModelConfig
from protsweep.siamese.train.batches import pad_batch

from .conftest import compose_config

D_IN = 12


def model_cfg(**options: object) -> DictConfig:
    base = {
        "encoder": {"d_model": 16, "n_heads": 2, "kernel_size": 5, "cnn_layers": 2, "transformer_layers": 2},
        "cross_attention": {"n_heads": 2, "mlp_hidden": 16},
    }
    return OmegaConf.merge(OmegaConf.structured(SiameseModelConfig), base, options)


def build(head: PairHead, arch: str = "siamese", distance: Distance = Distance.euclidean, **enc: object) -> PairModel:
    torch.manual_seed(0)
    cfg = model_cfg(arch=arch, encoder=enc) if enc else model_cfg(arch=arch)
    model = build_network(D_IN, cfg, head, distance, margin=1.0).eval()
    assert isinstance(model, PairModel)
    return model


def batch(lengths: list[int], seed: int, extra: int = 0, pad_value: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    arrays = [torch.randn(n, D_IN, generator=gen) for n in lengths]
    x, mask = pad_batch(arrays, torch.device("cpu"))
    if extra:
        x = torch.cat([x, torch.zeros(x.shape[0], extra, D_IN)], dim=1)
        mask = torch.cat([mask, torch.zeros(mask.shape[0], extra, dtype=torch.bool)], dim=1)
    x = torch.where(mask.unsqueeze(-1), x, torch.full_like(x, pad_value))
    return x, mask


HEADS = [
    (PairHead.cross_attention, Distance.euclidean),
    (PairHead.contrastive, Distance.euclidean),
    (PairHead.contrastive, Distance.cosine),
]


@pytest.mark.parametrize(("head", "distance"), HEADS)
def test_shared_encoder_scores_are_symmetric(head: PairHead, distance: Distance) -> None:
    model = build(head, distance=distance)
    xa, ma = batch([5, 17, 9, 30], seed=1)
    xb, mb = batch([22, 3, 9, 11], seed=2)
    with torch.no_grad():
        ab, ba = model(xa, ma, xb, mb), model(xb, mb, xa, ma)
    torch.testing.assert_close(ab.prob, ba.prob, rtol=0, atol=1e-6)
    torch.testing.assert_close(ab.raw, ba.raw, rtol=0, atol=1e-6)


def test_separate_encoders_are_not_symmetric() -> None:
    model = build(PairHead.cross_attention, arch="pseudo_siamese")
    xa, ma = batch([5, 17], seed=1)
    xb, mb = batch([22, 3], seed=2)
    with torch.no_grad():
        assert not torch.allclose(model(xa, ma, xb, mb).prob, model(xb, mb, xa, ma).prob)


@pytest.mark.parametrize(("head", "distance"), HEADS)
def test_separate_encoders_double_the_encoder_parameters(head: PairHead, distance: Distance) -> None:
    shared, separate = build(head, "siamese", distance), build(head, "pseudo_siamese", distance)
    assert count_parameters(separate.encoders) == 2 * count_parameters(shared.encoders)
    assert count_parameters(separate.head) == count_parameters(shared.head)
    assert count_parameters(separate) - count_parameters(shared) == count_parameters(shared.encoders)


@pytest.mark.parametrize("pooling", ["mean", "max", "mean_max"])
@pytest.mark.parametrize(("head", "distance"), HEADS)
def test_padding_does_not_change_outputs(head: PairHead, distance: Distance, pooling: str) -> None:
    model = build(head, distance=distance, pooling=pooling, d_model=16, n_heads=2, kernel_size=5)
    lengths_a, lengths_b = [5, 17, 9], [22, 3, 9]
    with torch.no_grad():
        tight = model(*batch(lengths_a, 1), *batch(lengths_b, 2))
        loose = model(*batch(lengths_a, 1, extra=13, pad_value=7.0), *batch(lengths_b, 2, extra=4, pad_value=-3.0))
        alone = model(*batch(lengths_a[:1], 1), *batch(lengths_b[:1], 2))  # the first pair, no padding at all
    torch.testing.assert_close(tight.prob, loose.prob, rtol=0, atol=1e-5)
    torch.testing.assert_close(tight.raw, loose.raw, rtol=0, atol=1e-5)
    torch.testing.assert_close(tight.prob[:1], alone.prob, rtol=0, atol=1e-5)


def test_encoder_states_ignore_padding_content() -> None:
    torch.manual_seed(0)
    encoder = CnnTransformerEncoder(
        D_IN, d_model=16, cnn_layers=2, kernel_size=5, transformer_layers=2, n_heads=2
    ).eval()
    x, mask = batch([4, 10], seed=5)
    noisy, noisy_mask = batch([4, 10], seed=5, extra=6, pad_value=100.0)
    with torch.no_grad():
        a, b = encoder(x, mask), encoder(noisy, noisy_mask)
    torch.testing.assert_close(a, b[:, : a.shape[1]], rtol=0, atol=1e-5)
    assert b[:, a.shape[1] :].abs().max() == 0 and b[0, 4:].abs().max() == 0


@pytest.mark.parametrize("attention_dropout", [0.0, 0.5])
def test_attention_dropout_is_its_own_rate(attention_dropout: float) -> None:
    """With every other dropout at 0, training-mode outputs are random exactly when the attention dropout is on."""
    torch.manual_seed(0)
    encoder = CnnTransformerEncoder(
        D_IN, d_model=16, cnn_layers=1, kernel_size=3, transformer_layers=2, n_heads=2, dropout=0.0,
        attention_dropout=attention_dropout,
    ).train()
    x, mask = batch([6, 9], seed=3)
    first, second = encoder(x, mask), encoder(x, mask)
    assert (first - second).abs().max() > 1e-4 if attention_dropout else torch.equal(first, second)


def test_encoder_rejects_even_kernels_and_bad_heads() -> None:
    with pytest.raises(ConfigError, match="kernel_size must be odd"):
        CnnTransformerEncoder(D_IN, kernel_size=4)
    with pytest.raises(ConfigError, match="multiple of n_heads"):
        CnnTransformerEncoder(D_IN, d_model=10, n_heads=4)


def test_contrastive_score_is_a_monotone_map_of_distance() -> None:
    distance = torch.tensor([0.0, 0.25, 0.5, 1.0, 3.0])
    score = distance_score(distance, margin=1.0)
    assert score[0] == 1 and score[2] == 0.5 and bool((score[1:] < score[:-1]).all())


def test_losses() -> None:
    labels = torch.tensor([1.0, 0.0, 1.0, 0.0])
    dist = torch.tensor([0.0, 0.2, 0.5, 2.0])
    contrastive = build_loss(ContrastiveLossConfig(margin=1.0))
    out = PairOutput(dist, distance_score(dist, 1.0))
    # positives: d^2 (0, 0.25); negatives: max(0, m - d)^2 (0.64, 0)
    assert float(contrastive(out, labels)) == pytest.approx((0 + 0.64 + 0.25 + 0) / 4)
    logits = torch.tensor([2.0, -1.0, 0.5, 0.0])
    logit_out = PairOutput(logits, torch.sigmoid(logits))
    bce = build_loss(BceLossConfig())
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    assert float(bce(logit_out, labels)) == pytest.approx(float(expected))
    focal = build_loss(FocalLossConfig(gamma=0.0, alpha=0.5))
    assert float(focal(logit_out, labels)) == pytest.approx(0.5 * float(expected))  # gamma 0, alpha .5: BCE / 2
    smoothed = build_loss(BceLossConfig(label_smoothing=0.2))
    target = labels * 0.6 + 0.2  # targets {ε, 1 - ε}, as for ProteinBERT
    assert float(smoothed(logit_out, labels)) == pytest.approx(
        float(torch.nn.functional.binary_cross_entropy_with_logits(logits, target))
    )


# ---------------------------------------------------------------- config combinations
@pytest.mark.parametrize(
    ("overrides", "head"),
    [
        ([], PairHead.cross_attention),
        (["loss=focal"], PairHead.cross_attention),
        (["loss=contrastive"], PairHead.contrastive),
        (["loss=contrastive", "model.pair_head=contrastive"], PairHead.contrastive),
        (["loss=bce", "model.pair_head=cross_attention"], PairHead.cross_attention),
    ],
)
def test_head_follows_the_loss(tiny_cfg: Callable[..., DictConfig], overrides: list[str], head: PairHead) -> None:
    assert check_config(tiny_cfg(*overrides)) is head


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["loss=focal", "model.pair_head=contrastive"],
            "loss=focal with model.pair_head=contrastive makes no sense: the contrastive head outputs a dist",
        ),
        (
            ["loss=contrastive", "model.pair_head=cross_attention"],
            "loss=contrastive with model.pair_head=cross_attention makes no sense",
        ),
    ],
)
def test_nonsense_combinations_are_config_errors(
    tiny_cfg: Callable[..., DictConfig], overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        check_config(tiny_cfg(*overrides))


def test_single_sequence_data_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="holds single sequences; model=siamese needs pairs"):
        check_config(compose_config("data=amp_modlamp", "embedder=esmc_tiny"))


@pytest.mark.parametrize("override", ["trainer=proteinbert", "head=two_layer", "features=concat"])
def test_groups_of_the_other_family_fail_at_composition(override: str) -> None:
    with pytest.raises(HydraException):
        compose_config(override, "embedder=esmc_tiny")

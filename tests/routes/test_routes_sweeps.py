"""Every sweep file composes, declares its factor and baseline, and varies exactly one choice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf

from protsweep import app
from protsweep.schema import register_schemas

SWEEP_DIR = Path(app.config_dir()) / "sweep"
SWEEPS = sorted(p.stem for p in SWEEP_DIR.glob("*.yaml"))
ROUTES = {
    "head",
    "focal",
    "focal_two_layer",
    "repr",
    "pool",
    "early_stop",
    "layerwise_lr",
    "label_smoothing",
    "augment",
}
OUTPUT_ONLY = {"seed", "overwrite", "ablation", "reference", "paths", "hydra"}


def compose_cfg(overrides: list[str], hydra: bool = False) -> Any:
    register_schemas()
    app._register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(app.config_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=hydra)


def job_config(overrides: list[str]) -> dict[str, Any]:
    """The resolved job config without the keys that never distinguish variants."""
    cfg = OmegaConf.to_container(compose_cfg(overrides), resolve=True)
    return {k: v for k, v in cfg.items() if k not in OUTPUT_ONLY}


def sweep_values(value: Any) -> list[str]:
    """A sweeper param (``"a,b"``, ``"range(5)"``) expanded as Hydra's basic sweeper does."""
    override = OverridesParser.create().parse_overrides([f"key={value}"])[0]
    return list(override.sweep_string_iterator())


def declared(name: str) -> tuple[dict[str, Any], str, list[str], Any]:
    cfg = compose_cfg([f"sweep={name}"], hydra=True)
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    ablation = OmegaConf.to_container(cfg.ablation)
    return params, ablation["factor"], sweep_values(params[ablation["factor"]]), ablation


def test_every_route_has_a_sweep_file() -> None:
    assert ROUTES | {"routes"} <= set(SWEEPS)


@pytest.mark.parametrize("name", SWEEPS)
def test_every_sweep_file_composes_as_a_multirun(name: str) -> None:
    cfg = compose_cfg([f"sweep={name}"], hydra=True)
    assert str(cfg.hydra.mode) in {"MULTIRUN", "RunMode.MULTIRUN"}
    assert cfg.ablation.name == name  # also the sweep's output folder


@pytest.mark.parametrize("name", sorted(ROUTES | {"routes"}))
def test_sweep_declares_factor_baseline_and_seeds(name: str) -> None:
    params, factor, values, ablation = declared(name)
    assert ablation["name"] == name
    assert ablation["description"]
    assert set(params) == {factor, "seed"}
    assert sweep_values(params["seed"]) == ["0", "1", "2", "3", "4"]
    assert len(values) >= 2
    assert list(ablation["baseline"]) == [factor]
    assert str(ablation["baseline"][factor]) in values


@pytest.mark.parametrize("name", sorted(ROUTES | {"routes"}))
def test_every_arm_composes_and_differs_from_the_baseline_in_one_choice(name: str) -> None:
    _, factor, values, ablation = declared(name)
    baseline = job_config([f"sweep={name}", f"{factor}={ablation['baseline'][factor]}"])
    for value in values:
        arm = job_config([f"sweep={name}", f"{factor}={value}"])
        differing = {k for k in arm.keys() | baseline.keys() if arm.get(k) != baseline.get(k)}
        if value == str(ablation["baseline"][factor]):
            assert not differing
        else:
            assert len(differing) == 1, (name, value, differing)


def test_single_route_baselines_are_the_default_config() -> None:
    default = job_config([])
    for name in sorted(ROUTES - {"focal_two_layer"}):
        _, factor, _, ablation = declared(name)
        assert job_config([f"sweep={name}", f"{factor}={ablation['baseline'][factor]}"]) == default, name


def test_focal_two_layer_uses_the_two_layer_head_in_both_arms() -> None:
    for loss in ("bce", "focal"):
        cfg = compose_cfg(["sweep=focal_two_layer", f"loss={loss}"])
        assert cfg.head.name == "two_layer" and cfg.loss.name == loss
    # its baseline arm is the routes sweep's two_layer_head variant
    assert job_config(["sweep=focal_two_layer", "loss=bce"]) == job_config(["sweep=routes", "variant=two_layer_head"])


def test_routes_holds_every_single_variable_arm_and_one_baseline() -> None:
    _, factor, variants, ablation = declared("routes")
    assert factor == "variant" and ablation["baseline"] == {"variant": "baseline"}
    routes = {v: job_config(["sweep=routes", f"variant={v}"]) for v in variants}
    assert routes["baseline"] == job_config([])
    arms = []
    for name in sorted(ROUTES - {"focal_two_layer"}):
        _, route_factor, values, route_ablation = declared(name)
        for value in values:
            if value != str(route_ablation["baseline"][route_factor]):
                arms.append((name, value, job_config([f"sweep={name}", f"{route_factor}={value}"])))
    # every arm of every single-route sweep is one variant of routes, and routes has nothing else
    matched = {next((v for v, c in routes.items() if c == arm), None) for _, _, arm in arms}
    assert None not in matched, [(n, v) for n, v, arm in arms if arm not in routes.values()]
    assert matched == set(variants) - {"baseline"}
    assert len(arms) == len(variants) - 1


def test_variant_alone_outside_routes() -> None:
    cfg = compose_cfg(["+variant=focal"])
    assert cfg.loss.name == "focal" and cfg.head.name == "default"


def test_missing_sweep_is_an_error() -> None:
    with pytest.raises(HydraException):
        compose_cfg(["sweep=nonexistent"])


def test_missing_sweep_exits_nonzero_on_the_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "protsweep", "sweep=nonexistent"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0
    assert "nonexistent" in out.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        ["head=two_layer", "head.width=64", "head.hidden_dropout=0.1", "head.dropout=0.0"],
        ["loss=focal", "loss.alpha=0.5", "loss.gamma=1.0", "loss.label_smoothing=0.05"],
        ["repr=concat"],
        ["repr=layer_mix"],
        ["pool=attention"],
        ["callback=early_stop_auc"],
        ["optimizer=layerwise", "optimizer.backbone_lr=1e-6"],
        ["augment=truncate", "augment.anchor=end", "augment.min_frac=0.5"],
        ["augment=blosum", "augment.p=0.1", "augment.temperature=2.0"],
        ["augment=truncate_blosum"],
        ["calibration=platt"],
        ["calibration=isotonic"],
    ],
)
def test_new_options_compose(overrides: list[str]) -> None:
    cfg = compose_cfg(overrides)
    group, _, option = overrides[0].partition("=")
    assert cfg[group].name == option


@pytest.mark.parametrize(
    "overrides",
    [
        ["head=two_layer", "head.widht=64"],
        ["loss=focal", "loss.alpha=high"],
        ["augment=truncate", "augment.anchor=middle"],
        ["optimizer=layerwise", "optimizer.head_rate=1e-3"],
    ],
)
def test_new_options_are_checked_by_their_schema(overrides: list[str]) -> None:
    with pytest.raises(HydraException):
        compose_cfg(overrides)


def test_option_values_match_the_issue() -> None:
    head = compose_cfg(["head=two_layer"]).head
    assert (head.width, head.hidden_dropout) == (128, 0.3)
    loss = compose_cfg(["loss=focal"]).loss
    assert (loss.gamma, loss.alpha, loss.label_smoothing) == (2.0, 0.25, 0.0)
    callback = compose_cfg(["callback=early_stop_auc"]).callback
    loss_callback = compose_cfg([]).callback
    assert (callback.monitor, callback.mode, callback.restore_best) == ("val_auc", "max", True)
    assert callback.patience == loss_callback.patience and callback.reduce_lr == loss_callback.reduce_lr
    optimizer = compose_cfg(["optimizer=layerwise"]).optimizer
    assert (optimizer.backbone_lr, optimizer.head_lr, optimizer.replaces_frozen_stage) == (1e-5, 1e-3, True)
    truncate = compose_cfg(["augment=truncate"]).augment
    assert (truncate.min_frac, truncate.max_frac) == (0.8, 1.0)
    assert compose_cfg(["augment=blosum"]).augment.p == 0.05
    assert compose_cfg(["sweep=label_smoothing", "loss.label_smoothing=0.05"]).loss.label_smoothing == 0.05

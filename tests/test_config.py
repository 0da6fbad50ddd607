"""The configuration as a whole: every sweep file of both families, every option of every group, every closed
choice, and the family boundary. Everything is discovered from conf/ and sweeps/, never listed by hand."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import yaml
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.utils import get_object, instantiate
from omegaconf import OmegaConf

from protsweep import app
from protsweep.config_store import all_schemas
from protsweep.family import families
from protsweep.keypolicy import KeyKind, key_kind

from .conftest import compose_config

CONF = Path(app.config_dir())
#: the tuning sweeps (tests/tune): an Optuna study per knob, and `tuned` (its arm `best` lives in a study folder)
TUNING = {p.stem for p in (CONF / "sweep").glob("tune*.yaml")}
SWEEPS = sorted(p.stem for p in (CONF / "sweep").glob("*.yaml") if p.stem not in TUNING)
#: a model option of each family (its family file lists the groups only that family has), from the registry
FAMILIES = {name: record.example_model for name, record in families().items()}
FAMILY_OF_MODEL = {model: family for family, model in FAMILIES.items()}


def job_config(*overrides: str) -> dict[str, Any]:
    """The resolved job config's groups without those that never distinguish variants (the key policy)."""
    cfg = OmegaConf.to_container(compose_config(*overrides), resolve=True)
    return {k: v for k, v in cfg.items() if key_kind(k) is KeyKind.RESULT}


def sweep_values(value: Any, key: str = "key") -> list[str]:
    """A sweeper param (``"a,b"``, ``"range(5)"``, ``"glob(*)"``) expanded as Hydra's basic sweeper does."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()  # glob() lists the options of the group ``key``
        override = OverridesParser.create(config_loader=loader).parse_overrides([f"{key}={value}"])[0]
        return list(override.sweep_string_iterator())


def declared(name: str) -> tuple[dict[str, Any], str, list[str], dict[str, Any]]:
    cfg = compose_config(f"sweep={name}", return_hydra_config=True)
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    ablation = OmegaConf.to_container(cfg.ablation)
    factor = ablation["factor"]
    return params, factor, sweep_values(params[factor], factor), ablation


def family_of(name: str) -> str:
    return str(compose_config(f"sweep={name}").model.family)


# ---------------------------------------------------------------------------------------------- sweeps
@pytest.mark.parametrize("name", SWEEPS)
def test_every_sweep_file_composes_as_a_multirun(name: str) -> None:
    cfg = compose_config(f"sweep={name}", return_hydra_config=True)
    assert str(cfg.hydra.mode) in {"MULTIRUN", "RunMode.MULTIRUN"}
    assert cfg.ablation.name == name  # also the sweep's output folder


#: sweep axes besides the factor and the seed: the fold (a replicate key) and the split kind (a stratum)
DATA_AXES = {"data.cv.fold", "data.split_by"}


@pytest.mark.parametrize("name", SWEEPS)
def test_sweep_declares_factor_baseline_and_seeds(name: str) -> None:
    params, factor, values, ablation = declared(name)
    assert set(params) - DATA_AXES == {factor, "seed"}
    assert len(sweep_values(params["seed"])) >= 3
    assert len(values) >= 2
    assert list(ablation["baseline"]) == [factor]
    assert str(ablation["baseline"][factor]) in values


@pytest.mark.parametrize("name", SWEEPS)
def test_every_arm_composes_and_differs_from_the_baseline_in_one_choice(name: str) -> None:
    _, factor, values, ablation = declared(name)
    baseline = job_config(f"sweep={name}", f"{factor}={ablation['baseline'][factor]}")
    for value in values:
        arm = job_config(f"sweep={name}", f"{factor}={value}")
        differing = {k for k in arm.keys() | baseline.keys() if arm.get(k) != baseline.get(k)}
        assert len(differing) == (0 if value == str(ablation["baseline"][factor]) else 1), (name, value, differing)


def sets_only_the_sweep(name: str) -> bool:
    """A sweep file that changes nothing but the factor, so its baseline is the family's default config."""
    node = yaml.safe_load((CONF / "sweep" / f"{name}.yaml").read_text())
    chosen = {key for entry in node.get("defaults", []) for key in entry if isinstance(entry, dict)}
    return set(node) <= {"hydra", "ablation", "defaults"} and chosen <= {"override /model", "/variant"}


@pytest.mark.parametrize("name", [n for n in SWEEPS if sets_only_the_sweep(n)])
def test_a_plain_sweeps_baseline_is_the_default_config(name: str) -> None:
    _, factor, _, ablation = declared(name)
    model = compose_config(f"sweep={name}").model.name
    baseline = f"{factor}={ablation['baseline'][factor]}"
    appended = (CONF / factor).is_dir() and factor not in compose_config(f"model={model}")
    default = job_config(f"model={model}", f"+{baseline}" if appended else baseline)  # the family's own default
    assert job_config(f"sweep={name}", f"{factor}={ablation['baseline'][factor]}") == default


def test_routes_arms_are_the_variant_files_and_every_single_route_arm() -> None:
    _, factor, variants, ablation = declared("routes")
    assert factor == "variant" and ablation["baseline"] == {"variant": "baseline"}
    assert set(variants) == {p.stem for p in (CONF / "variant").glob("*.yaml")}
    routes = {v: job_config("sweep=routes", f"variant={v}") for v in variants}
    assert routes["baseline"] == job_config()
    single = [n for n in SWEEPS if n != "routes" and sets_only_the_sweep(n) and family_of(n) == "proteinbert"]
    arms = []
    for name in single:
        _, route_factor, values, route_ablation = declared(name)
        arms += [(name, v, job_config(f"sweep={name}", f"{route_factor}={v}")) for v in values
                 if v != str(route_ablation["baseline"][route_factor])]
    matched = {next((v for v, c in routes.items() if c == arm), None) for _, _, arm in arms}
    assert None not in matched, [(n, v) for n, v, arm in arms if arm not in routes.values()]
    assert matched == set(variants) - {"baseline"}


def test_missing_sweep_is_an_error() -> None:
    with pytest.raises(HydraException):
        compose_config("sweep=nonexistent")


# ---------------------------------------------------------------------------------------------- options
def option_cases() -> list[tuple[str, str, str]]:
    """(family's model option, group, option) for every option file of every group a family composes."""
    cases = []
    for family, model in FAMILIES.items():
        entries = yaml.safe_load((CONF / "family" / f"{family}.yaml").read_text())["defaults"]
        groups = [key.strip("/") for entry in entries if isinstance(entry, dict) for key in entry]
        groups += ["loss", "callback", "calibration"]
        for group in groups:
            cases += [(model, group, p.stem) for p in sorted((CONF / group).glob("*.yaml"))]
    return cases


def family_losses(name: str) -> set[str]:
    """The loss options whose spec type the family's loss registry holds."""
    schemas = {n.removesuffix("_schema"): s for (g, n), s in all_schemas(CONF).items() if g == "loss"}
    return {p.stem for p in (CONF / "loss").glob("*.yaml")
            if schemas[yaml.safe_load(p.read_text())["defaults"][0].removesuffix("_schema")] in families()[name].losses}


def needs_pairs(group: str, option: str) -> bool:
    return group == "data" and "pair" in yaml.safe_load((CONF / group / f"{option}.yaml").read_text())["defaults"][0]


@pytest.mark.parametrize(("model", "group", "option"), option_cases())
def test_every_option_composes_and_builds(model: str, group: str, option: str) -> None:
    if group == "loss" and option not in family_losses(FAMILY_OF_MODEL[model]):
        pytest.skip(f"{option} is not a {FAMILY_OF_MODEL[model]} loss: refused at the family's check (tests/family)")
    if group == "data" and needs_pairs(group, option) != (model == "siamese"):
        pytest.skip("pair data belongs to the Siamese family, single sequences to ProteinBERT")
    if group == "trainer" and option != FAMILY_OF_MODEL[model]:
        with pytest.raises(HydraException, match="is not a subclass"):
            compose_config(f"model={model}", f"{group}={option}")
        return
    cfg = compose_config(f"model={model}", f"{group}={option}")
    node = cfg[group]
    target = node.get("_target_") if OmegaConf.is_dict(node) else None
    if target is None:
        return  # a spec (loss, callback, data, trainer, ...): composing checked it against its schema
    built = instantiate(node)
    if node.get("_partial_"):
        assert callable(built) and built.func is get_object(target)
    elif built is not None:
        assert type(built) is get_object(target)


def test_option_files_write_only_values_that_differ_from_the_targets_defaults() -> None:
    """The defaults live in the code; an option file that repeats one is flagged."""
    for path in CONF.glob("*/*.yaml"):
        node = yaml.safe_load(path.read_text()) or {}
        if "_target_" not in node:
            continue
        schema = dataclasses.fields(next(s for (g, n), s in all_schemas(CONF).items()
                                         if g == path.parent.name and n == f"{path.stem}_schema"))
        defaults = {f.name: f.default for f in schema}
        written = {k: v for k, v in node.items() if k not in {"_target_", "_partial_", "defaults"}}
        repeated = {k for k, v in written.items() if defaults.get(k) == v}
        assert not repeated, (path, repeated)


# ---------------------------------------------------------------------------------------------- closed choices
def closed_fields(cfg: Any, prefix: str = "") -> list[tuple[str, type[Enum]]]:
    """Every Enum-typed field of a composed config, by dotted key."""
    found = []
    for key in cfg:
        node = cfg._get_node(key)
        full = f"{prefix}{key}"
        if OmegaConf.is_dict(node):
            found += closed_fields(node, f"{full}.")
        else:
            kind = OmegaConf.get_type(cfg, key)
            if isinstance(kind, type) and issubclass(kind, Enum):
                found.append((full, kind))
    return found


def closed_cases() -> list[tuple[str, str]]:
    cases = []
    extra = {"proteinbert_tiny": ["augment=truncate", "data=amp_modlamp"], "siamese": ["data=pairs_csv"]}
    for model in FAMILIES.values():
        overrides = [f"model={model}", *extra.get(model, [])]
        cases += [(" ".join(overrides), key) for key, _ in closed_fields(compose_config(*overrides))]
    return cases


@pytest.mark.parametrize(("overrides", "key"), closed_cases())
def test_every_closed_choice_rejects_a_bad_value_at_composition(overrides: str, key: str) -> None:
    with pytest.raises(HydraException, match=f"override {key}=whatever"):
        compose_config(*overrides.split(), f"{key}=whatever")


def test_the_closed_choices_walked_cover_both_families() -> None:
    keys = {key for _, key in closed_cases()}
    assert {"trainer.freeze", "trainer.padding", "trainer.class_weight", "model.pretrained", "callback.monitor",
            "callback.mode", "model.arch", "embedder.weights"} <= keys


def test_a_bad_closed_value_fails_on_the_command_line_before_anything_runs(tmp_path: Path) -> None:
    args = ["trainer.padding=foo", "trainer.freeze=sometimes", "--cfg", "job"]
    out = subprocess.run([sys.executable, "-m", "protsweep", *args], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode != 0 and "trainer.padding" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "outputs").exists()


# ---------------------------------------------------------------------------------------------- families
def test_a_proteinbert_only_group_fails_for_siamese_with_hydras_error() -> None:
    with pytest.raises(HydraException, match="Could not override 'head'"):
        compose_config("model=siamese", "head=two_layer")


def test_each_family_config_holds_only_its_own_groups() -> None:
    siamese, proteinbert = compose_config("model=siamese"), compose_config()
    only_proteinbert = {"head", "features", "optimizer", "augment"}
    assert not only_proteinbert & set(siamese) and "embedder" in siamese
    assert only_proteinbert <= set(proteinbert) and "embedder" not in proteinbert
    assert "pretrained" in proteinbert.model and "pretrained" not in siamese.model

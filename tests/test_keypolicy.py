"""The key policy (protsweep.keypolicy): one declaration of which keys change results, and every user of it
(fingerprint, variant grouping, job folder names, loggers) agreeing with it."""

from __future__ import annotations

import pytest
import yaml
from omegaconf import OmegaConf

from protsweep import resolvers
from protsweep.aggregate.configkeys import OUTPUT_ONLY_KEYS, variant_config
from protsweep.integrity.fingerprint import fingerprint_config, fingerprint_record, same_config
from protsweep.keypolicy import OUTPUT_ONLY, REPLICATE, RESUMABLE_ACROSS, KeyKind, key_kind, result_overrides
from protsweep.launch.loggers.source import run_hparams
from protsweep.overrides import flatten
from protsweep.schema import config_dir as config_dir

from .conftest import compose_config

#: One override per output-only kind a user sets on the command line (values valid for the schema).
NON_RESULT = (
    "report.margin_auc=0.02",
    "report.min_class_count=5",
    "save_model=false",
    "progress=never",
    "logger=tensorboard",
    "resources.threads=1",
    "paths.cache_dir=/elsewhere",
    "+reference.target=0.9",
    "overwrite=true",
    "reuse.enabled=false",
)
MODELS = ("proteinbert_tiny", "siamese")


def test_categories() -> None:
    assert key_kind("report.margin_auc") is KeyKind.OUTPUT_ONLY
    assert key_kind("report") is KeyKind.OUTPUT_ONLY
    assert key_kind("reporting") is KeyKind.RESULT  # a prefix covers keys under it, not longer names
    assert key_kind("seed") is KeyKind.REPLICATE
    assert key_kind("data.cv.fold") is KeyKind.REPLICATE
    assert key_kind("data.cv.folds") is KeyKind.RESULT
    assert key_kind("paths.shared_data") is KeyKind.RESULT
    assert key_kind("trainer.lr_full") is KeyKind.RESULT
    assert not set(OUTPUT_ONLY) & set(REPLICATE)
    assert all(key_kind(k) is KeyKind.RESULT for k in RESUMABLE_ACROSS)


def test_every_declared_key_exists_in_a_config() -> None:
    """No stale entry: each listed key (other than Hydra's and the sweep choice) names a key of a composed
    config of some family, so a renamed key cannot silently fall out of the policy."""
    keys = set()
    for name in MODELS:
        keys |= set(flatten(OmegaConf.to_container(compose_config(f"model={name}"), resolve=False)))
    listed = [k for k in (*OUTPUT_ONLY, *REPLICATE, *RESUMABLE_ACROSS) if k not in ("hydra", "sweep", "data.cv.fold")]
    assert [k for k in listed if not any(x == k or x.startswith(k + ".") for x in keys)] == []


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("override", NON_RESULT)
def test_output_only_keys_change_neither_fingerprint_nor_variant_nor_folder(model: str, override: str) -> None:
    base = compose_config(f"model={model}")
    changed = compose_config(f"model={model}", override)
    assert fingerprint_record(changed) == fingerprint_record(base)
    plain = OmegaConf.to_container(base, resolve=True)
    other = OmegaConf.to_container(changed, resolve=True)
    assert variant_config(other, OUTPUT_ONLY_KEYS) == variant_config(plain, OUTPUT_ONLY_KEYS)
    folder = resolvers.job_dirname
    assert folder([f"model={model}", override, "seed=1"]) == folder([f"model={model}", "seed=1"])


def test_result_and_replicate_keys_count() -> None:
    base = fingerprint_record(compose_config("model=proteinbert_tiny"))
    for override in ("seed=1", "trainer.lr_full=0.001", "paths.shared_data=/other"):
        assert fingerprint_record(compose_config("model=proteinbert_tiny", override))["sha256"] != base["sha256"]
    assert resolvers.job_dirname(["seed=1", "report.margin_auc=0.02", "+trainer.x=1"]) == "+trainer.x=1,seed=1"


def test_a_record_written_before_a_key_became_output_only_still_matches() -> None:
    cfg = compose_config("model=proteinbert_tiny")
    current = fingerprint_record(cfg)
    old_config = {**fingerprint_config(cfg), "report.margin_auc": 0.01, "save_model": True}
    old = {"sha256": "written-under-an-older-policy", "config": old_config}
    assert same_config(old, current)
    assert not same_config({**old, "config": {**old_config, "trainer.lr_full": 9.0}}, current)


def test_job_folder_names_come_from_the_policy() -> None:
    hydra = yaml.safe_load((config_dir() / "hydra" / "protsweep.yaml").read_text())
    assert hydra["sweep"]["subdir"] == (
        "${job_dirname:${hydra.overrides.task},${oc.select:hydra.sweeper.params,null},${hydra.sweep.dir}}"
    )
    composed = compose_config("model=proteinbert_tiny", "report.margin_auc=0.02", "seed=2", return_hydra_config=True)
    resolvers.register_resolvers()
    assert composed.hydra.sweep.subdir == "model=proteinbert_tiny,seed=2"


def test_loggers_leave_output_only_keys_out() -> None:
    run = {"choices": {"model": "proteinbert_tiny", "logger": "tensorboard", "resources": "default"},
           "overrides": ["head=two_layer", "seed=3", "progress=never", "report.margin_auc=0.02"]}
    assert run_hparams(run) == {"model": "proteinbert_tiny", "head": "two_layer", "seed": 3}
    assert result_overrides(run["overrides"]) == ["head=two_layer", "seed=3"]


def test_a_long_job_folder_name_keeps_the_seed_and_the_swept_values() -> None:
    """issue 25: names cut at 200 characters lost the seed and sometimes the swept value behind a hash
    (``…loss.label_smoo~5e4a4e9330``; two ``head=default`` folders differing only by a hash)."""
    shared = [f"trainer.some_long_setting_{i}=value_number_{i}" for i in range(12)]
    swept = {"head": "default,two_layer", "seed": "range(5)", "trainer.lr_full": "0.001"}  # lr_full: one value
    names = {
        (head, seed): resolvers.job_dirname([*shared, f"head={head}", f"seed={seed}", "trainer.lr_full=0.001"], swept)
        for head in ("default", "two_layer")
        for seed in (0, 1)
    }
    assert len(set(names.values())) == 4
    for (head, seed), name in names.items():
        assert len(name) <= 200
        assert name.split(",")[:2] == [f"seed={seed}", f"head={head}"] and name.split(",")[2].startswith("~")


def test_a_long_job_folder_name_from_hydra() -> None:
    long_path = "paths.shared_data=/" + "/".join(["a_rather_long_folder_name"] * 10)
    composed = compose_config(
        "model=proteinbert_tiny", "sweep=head", "head=two_layer", "seed=3", long_path, return_hydra_config=True
    )
    resolvers.register_resolvers()
    name = composed.hydra.sweep.subdir
    assert len(name) <= 200 and name.startswith("seed=3,head=two_layer,~")

"""Config fingerprints, config checks and the aggregator's split of runs whose recorded configs differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from protsweep.aggregate.grouping import group_runs
from protsweep.aggregate.records import LoadedRun, load_run
from protsweep.errors import ConfigError
from protsweep.integrity.checks import check_job_config, check_sweep_name, unknown_keys
from protsweep.integrity.fingerprint import (
    check_relaunch,
    differing_keys,
    fingerprint_config,
    fingerprint_record,
)

from ..conftest import compose_config


def test_output_only_keys_are_left_out_and_the_seed_counts() -> None:
    base = fingerprint_record(compose_config("model=proteinbert_tiny"))
    quiet = fingerprint_record(
        compose_config("model=proteinbert_tiny", "overwrite=true", "progress=never", "paths.cache_dir=/elsewhere")
    )
    assert quiet["sha256"] == base["sha256"]
    on_disk = fingerprint_record(compose_config("model=proteinbert_tiny", "trainer.feature_cache_memory_mb=0"))
    assert on_disk["sha256"] == base["sha256"]  # the features' place, not their values
    siamese = fingerprint_record(compose_config("model=siamese"))
    untrimmed = fingerprint_record(compose_config("model=siamese", "trainer.release_memory=false"))
    assert untrimmed["sha256"] == siamese["sha256"]
    assert not any(k.startswith(("hydra", "overwrite", "resources", "logger")) for k in base["config"])
    other_seed = fingerprint_record(compose_config("model=proteinbert_tiny", "seed=1"))
    assert other_seed["sha256"] != base["sha256"]
    assert differing_keys(base["config"], other_seed["config"]) == ["seed"]


def test_relaunch_of_another_config_names_the_job_and_the_keys() -> None:
    recorded = fingerprint_record(compose_config("model=proteinbert_tiny"))
    changed = compose_config("model=proteinbert_tiny", "trainer.lr_full=0.001")
    with pytest.raises(ConfigError) as err:
        check_relaunch("seed=0", recorded, changed)
    message = str(err.value)
    assert message.startswith("seed=0: its earlier run used another config (trainer.lr_full: 0.0001 -> 0.001)")
    assert "overwrite=true" in message and "new sweep folder" in message
    assert check_relaunch("seed=0", recorded, compose_config("model=proteinbert_tiny")) == recorded
    assert check_relaunch("seed=0", None, changed) == fingerprint_record(changed)  # no earlier record


def test_flat_keys_are_dotted() -> None:
    flat = fingerprint_config(compose_config("model=proteinbert_tiny"))
    assert flat["trainer.lr_full"] == pytest.approx(1e-4)
    assert flat["seed"] == 0


@pytest.mark.parametrize(
    ("overrides", "unknown"),
    [
        (("+trainer.bach_size=8",), ["trainer.bach_size"]),
        (("+sed=1", "+callback.reduce_lr.patiense=2"), ["sed", "callback.reduce_lr.patiense"]),
        (("model=siamese", "+model.encoder.widht=3"), ["model.encoder.widht"]),
        (("+data.source.any_key=1",), []),  # data.source is free-form (documented)
        (("+variant=focal",), []),
    ],
)
def test_unknown_keys_are_found(overrides: tuple[str, ...], unknown: list[str]) -> None:
    assert sorted(unknown_keys(compose_config(*overrides))) == sorted(unknown)


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", ".hidden", "", "x y"])
def test_unsafe_sweep_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="not a safe folder name"):
        check_sweep_name(name)


@pytest.mark.parametrize("name", ["head", "routes", "my-sweep_2.v1"])
def test_safe_sweep_names_pass(name: str) -> None:
    check_sweep_name(name)


def test_every_shipped_sweep_passes_the_job_checks() -> None:
    sweeps = sorted(p.stem for p in (Path(__file__).parents[2] / "conf" / "sweep").glob("*.yaml"))
    assert sweeps
    for sweep in sweeps:
        check_job_config(compose_config(f"sweep={sweep}"))


def _run(path: str, seed: int, lr: float) -> LoadedRun:
    cfg = compose_config("model=proteinbert_tiny", f"seed={seed}", f"trainer.lr_full={lr}")
    return LoadedRun(path=Path(path), sweep_dir=None, status="completed", seed=seed,
                     overrides=[f"seed={seed}"], info={"fingerprint": fingerprint_record(cfg)})


def test_aggregator_splits_runs_whose_recorded_configs_differ() -> None:
    runs = [_run("a/seed=0", 0, 1e-4), _run("a/seed=1", 1, 1e-4), _run("b/seed=0", 0, 1e-3)]
    variants = group_runs(runs, [])
    assert sorted(len(v.runs) for v in variants) == [1, 2]  # seeds of one config pooled, the other apart
    assert len({v.label for v in variants}) == 2
    odd = next(v for v in variants if len(v.runs) == 1).runs[0]
    assert any("trainer.lr_full: 0.0001 -> 0.001" in w and "not pooled" in w for w in odd.warnings)


@pytest.mark.parametrize("record", ["missing", "truncated", "not an object"])
def test_a_run_without_a_readable_record_stays_under_its_variant(tmp_path: Path, record: str) -> None:
    runs = [_run("a/seed=0", 0, 1e-4), _run("a/seed=1", 1, 1e-4), _run("b/seed=0", 0, 1e-3)]
    for rec in runs:
        rec.config = {"seed": rec.seed, "trainer": {"lr_full": rec.info["fingerprint"]["config"]["trainer.lr_full"]}}
    job = tmp_path / "seed=2"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 2\ntrainer:\n  lr_full: 0.0001\n")
    (job / ".hydra" / "overrides.yaml").write_text("- seed=2\n")
    text = {"missing": None, "truncated": '{"status": "compl', "not an object": "[1, 2]"}[record]
    if text is not None:
        (job / "run.json").write_text(text)
    loaded = load_run(job)
    assert loaded.status == ("incomplete" if record == "missing" else "corrupt")
    variants = group_runs([loaded, *runs], [])
    assert sorted(len(v.runs) for v in variants) == [1, 3]  # listed with its seeds, not a variant of its own
    assert loaded in next(v for v in variants if len(v.runs) == 3).runs
    assert not any("differs" in w for v in variants for rec in v.runs if rec.path.parent.name == "a"
                   for w in rec.warnings)

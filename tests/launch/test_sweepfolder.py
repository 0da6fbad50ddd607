"""A sweep folder holds one sweep: a relaunch is checked as a whole against the folder's multirun.yaml and the
records of its jobs; output-only keys are no change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from protsweep.app import config_dir
from protsweep.config_store import register_schemas
from protsweep.errors import ConfigError
from protsweep.integrity.fingerprint import fingerprint_record
from protsweep.launch.outcome import expected_jobs
from protsweep.launch.sweepfolder import check_sweep_folder
from protsweep.record.state import RunState

BASE = ("sweep=head", "model=proteinbert_tiny", "data.limit=200")


def check(sweep: Path, *overrides: str) -> None:
    """What the launch checks, with Hydra initialised as in a real launch."""
    register_schemas(config_dir())
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        cfg = compose("config", overrides=[*BASE, f"hydra.sweep.dir={sweep}", *overrides], return_hydra_config=True)
        check_sweep_folder(cfg, expected_jobs(cfg))


def job_config(*overrides: str):
    register_schemas(config_dir())
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose("config", overrides=[*BASE, *overrides])


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """A finished launch of BASE: its multirun.yaml, and the record of one job (head=two_layer, seed=0)."""
    register_schemas(config_dir())
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        cfg = compose("config", overrides=[*BASE, f"hydra.sweep.dir={tmp_path}"], return_hydra_config=True)
    OmegaConf.save(cfg, tmp_path / "multirun.yaml")
    job = tmp_path / "head=two_layer,seed=0"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([*BASE[1:], "head=two_layer", "seed=0"]))
    record = fingerprint_record(job_config("head=two_layer", "seed=0"))
    RunState(job).write({"status": "completed", "fingerprint": record})
    return tmp_path


@pytest.mark.parametrize("change", [(), ("report.margin_auc=0.02",), ("progress=never", "resources.threads=1"),
                                    ("overwrite=true", "trainer.lr_full=0.001")])
def test_the_same_sweep_or_output_only_changes_pass(sweep: Path, change: tuple[str, ...]) -> None:
    check(sweep, *change)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (("trainer.lr_full=0.001",), "another config: trainer.lr_full: 0.0001 -> 0.001"),
        (("data.split_seed=3",), "another config: data.split_seed: 0 -> 3"),
        (("hydra.sweeper.params.seed='0,1'",), "other jobs: 6 of its jobs not in this launch, 0 new"),
    ],
)
def test_another_sweep_is_refused_in_one_line(sweep: Path, change: tuple[str, ...], why: str) -> None:
    with pytest.raises(ConfigError) as err:
        check(sweep, *change)
    assert str(err.value).startswith(f"{sweep} holds another sweep ({why}")
    assert "overwrite=true" in str(err.value) and "\n" not in str(err.value)


def test_a_job_recorded_under_another_config_is_refused(sweep: Path) -> None:
    """A config file chosen only by a sweep value changed: the primary config is the same, the job's is not."""
    job = sweep / "head=two_layer,seed=0"
    other = fingerprint_record(job_config("head=default", "seed=0"))
    RunState(job).write({"status": "completed", "fingerprint": other})
    with pytest.raises(ConfigError, match=r"another config in head=two_layer,seed=0: head\."):
        check(sweep)

"""The family registry: the built-in families found through it, every loss option checked against every
family's loss registry, and a third family that lives outside protsweep run, saved and predicted with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra.utils import get_object
from omegaconf import OmegaConf

import protsweep
from protsweep.errors import ConfigError
from protsweep.family import Family, families, family
from protsweep.record import contract
from protsweep.record.state import read_status
from protsweep.schema import config_dir

from ..conftest import compose_config
from .toy_family import write_toy_family

#: (loss option, family) pairs that are refused on purpose: each family's error names the losses it has
ONE_FAMILY_LOSSES = {("contrastive", "proteinbert")}


def test_the_built_in_families_are_found_by_name() -> None:
    found = families()
    assert {"proteinbert", "siamese"} <= set(found)
    for name, record in found.items():
        assert isinstance(record, Family) and record.name == name
        assert str(compose_config(f"model={record.example_model}").model.family) == name
    with pytest.raises(ConfigError, match="'nonesuch' is not registered"):
        family("nonesuch")


@pytest.mark.parametrize("loss", sorted(p.stem for p in (config_dir() / "loss").glob("*.yaml")))
@pytest.mark.parametrize("name", ["proteinbert", "siamese"])
def test_every_loss_option_has_a_loss_in_each_family_or_is_refused_at_the_check(loss: str, name: str) -> None:
    """A new loss added to one family's registry only fails here, not first when a job runs."""
    record = family(name)
    cfg = compose_config(f"model={record.example_model}", f"loss={loss}")
    if name == "siamese":
        cfg = compose_config(f"model={record.example_model}", f"loss={loss}", "data=pairs_csv")
    spec = type(OmegaConf.to_object(cfg.loss))
    if (loss, name) in ONE_FAMILY_LOSSES:
        assert spec not in record.losses
        with pytest.raises(ConfigError, match=f"loss={loss}"):
            record.check(cfg)
    else:
        assert spec in record.losses, f"loss={loss} has no {name} loss: add it to the family's loss registry"
        record.check(cfg)


@pytest.mark.parametrize("name", ["proteinbert", "siamese"])
def test_the_framework_loss_registry_builds_every_loss_the_family_accepts(name: str) -> None:
    record = family(name)
    assert record.losses and set(get_object(record.loss_registry)) == set(record.losses)


def _env(root: Path) -> dict[str, str]:
    src = str(Path(protsweep.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), src]), "USE_TF": "0", "PYTHONUNBUFFERED": "1"}
    env.pop("HYDRA_FULL_ERROR", None)
    return env


def test_a_third_family_outside_protsweep_runs_saves_and_predicts(tmp_path: Path) -> None:
    root = tmp_path / "plugin"
    written = write_toy_family(root)
    assert all(root in p.parents for p in written)  # nothing written outside its own package and configs
    env, run_dir = _env(root), tmp_path / "run"

    out = subprocess.run(
        [sys.executable, "-m", "protsweep", "model=toy", "data.limit=200", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert read_status(run_dir) is contract.Status.COMPLETED
    pred = pd.read_csv(run_dir / contract.PREDICTIONS_CSV, dtype={"id": str})
    assert list(pred.columns) == list(contract.PREDICTION_COLUMNS)
    assert (run_dir / "model" / "model.json").is_file()

    test = pred[pred["split"] == "test"]
    test[["id", "sequence", "label"]].to_csv(tmp_path / "new.csv", index=False)
    scores = tmp_path / "scores.csv"
    out = subprocess.run(
        [sys.executable, "-m", "protsweep.predict_cli", str(run_dir), "--input", str(tmp_path / "new.csv"),
         "--out", str(scores)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    predicted = pd.read_csv(scores, dtype={"id": str})
    assert predicted["id"].tolist() == test["id"].tolist()
    # the saved model, rebuilt by the family's predictor, scores the test split as the run did
    assert predicted["prob_raw"].to_numpy() == pytest.approx(test["prob_raw"].to_numpy(), abs=1e-9)
    assert predicted["prob"].to_numpy() == pytest.approx(test["prob"].to_numpy(), abs=1e-9)

    refused = subprocess.run(
        [sys.executable, "-m", "protsweep", "model=toy", "loss=focal", "data.limit=200",
         f"hydra.run.dir={tmp_path / 'focal'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert refused.returncode != 0
    assert "loss=focal does not apply to the toy family" in refused.stderr
    assert "Traceback" not in refused.stderr

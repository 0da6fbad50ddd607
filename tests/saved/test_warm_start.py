"""Warm start from a sweep folder without quoting (``trainer.init_from=<sweep> trainer.init_variant={k:v}``) and
backbone-only transfer into another head (``trainer.init_backbone_only=true``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from protsweep.errors import ProtsweepError
from protsweep.saved.card import read_card, verified_weights
from protsweep.saved.parent_source import parent_dir
from tests.conftest import TINY_RUN, run_cli

pytestmark = pytest.mark.slow
ARGS = [*TINY_RUN, "data.limit=100"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("warm_sweep")
    out = run_cli(["-m", *ARGS, "head=two_layer", "seed=0", f"hydra.sweep.dir={root / 'sweep'}"], cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    return root / "sweep"


def backbone_arrays(run_dir: Path) -> list[np.ndarray]:
    from protsweep.proteinbert.model import is_head_layer
    from protsweep.proteinbert.model_io import rebuild_model

    card = read_card(run_dir)
    model = rebuild_model(card, verified_weights(run_dir, card), ValueError)
    return [w for layer in model.layers if not is_head_layer(layer) for w in layer.get_weights()]


def test_parent_from_sweep_folder_variant_and_seed(sweep: Path) -> None:
    (job,) = [p for p in sweep.iterdir() if (p / "run.json").is_file()]
    assert parent_dir(str(sweep), {"head": "two_layer"}, None, 0) == job.resolve()
    assert parent_dir(str(sweep), {}, None, 7) == job.resolve()  # the variant's only run
    with pytest.raises(ProtsweepError, match="no completed run at seed 3"):
        parent_dir(str(sweep), {"head": "two_layer"}, 3, 0)
    with pytest.raises(ProtsweepError, match=r"trainer\.init_variant head=default matches no variant"):
        parent_dir(str(sweep), {"head": "default"}, None, 0)
    with pytest.raises(ProtsweepError, match="is one run"):
        parent_dir(str(job), {"head": "two_layer"}, None, 0)


def test_backbone_only_into_another_head(sweep: Path, tmp_path: Path) -> None:
    child = tmp_path / "child"
    out = run_cli([*ARGS, f"trainer.init_from={sweep}", "trainer.init_variant={head:two_layer}",
                   "trainer.init_backbone_only=true", "trainer.lr_frozen=0", "head=default",
                   f"hydra.run.dir={child}"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    (job,) = [p for p in sweep.iterdir() if (p / "run.json").is_file()]
    info = json.loads((child / "run.json").read_text())
    assert info["parent"]["run_dir"] == str(job.resolve())
    # the model card: the run's metrics, the random-init flag, versions, the parent; only relative paths
    card = read_card(child)
    metrics = json.loads((child / "metrics.json").read_text())
    assert card["metrics"] == {"valid": metrics["valid"], "test": metrics["test"]}
    assert card["pretrained"] == info["pretrained"] == "random"  # the tiny model is random-init
    assert card["versions"] == info["versions"] and "protsweep" in card["versions"]
    assert (child / card["parent"]["run_dir"]).resolve() == job.resolve()
    assert not Path(card["parent"]["run_dir"]).is_absolute() and not Path(card["cwd"]).is_absolute()
    assert (child / card["cwd"]).resolve() == tmp_path.resolve()
    mine, theirs = backbone_arrays(child), backbone_arrays(job)
    assert len(mine) == len(theirs) > 0
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_full_warm_start_into_another_head_fails_in_one_line(sweep: Path, tmp_path: Path) -> None:
    child = tmp_path / "child"
    out = run_cli([*ARGS, f"trainer.init_from={sweep}", "trainer.init_variant={head:two_layer}", "head=default",
                   f"hydra.run.dir={child}"], cwd=tmp_path)
    assert out.returncode == 1
    assert "does not fit this run's model" in out.stderr and "Traceback" not in out.stderr

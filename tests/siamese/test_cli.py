"""End to end through the ``protsweep`` command: the tiny ESM C path on generated pairs, the run record,
the cache across jobs, relaunching, the sweep files and the aggregator on a Siamese sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from protsweep.siamese.loss_heads import check_config
from protsweep.siamese.schema import PairHead

from .conftest import TINY, compose_config

RECORD_FILES = (
    "run.json",
    "predictions.csv",
    "metrics.json",
    "history.csv",
    ".hydra/config.yaml",
    ".hydra/overrides.yaml",
    ".hydra/hydra.yaml",
)


def protsweep(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "USE_TF": "0"}
    return subprocess.run(
        [sys.executable, "-m", "protsweep", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def job_dirs(sweep: Path) -> list[Path]:
    """Job directories, ordered by (overrides, seed) as their run.json records them."""
    runs = {p.parent: json.loads(p.read_text()) for p in sweep.glob("*/run.json")}
    return sorted(
        runs,
        key=lambda d: (sorted(o for o in runs[d]["overrides"] if not o.startswith("seed=")), runs[d]["seed"]),
    )


def check_record(job: Path) -> dict:
    for name in RECORD_FILES:
        assert (job / name).is_file(), f"{job.name}: {name} missing"
    run = json.loads((job / "run.json").read_text())
    assert run["status"] == "completed" and run["error"] is None
    assert run["model_family"] == "siamese" and run["pretrained"] == "random"
    assert run["choices"]["model"] == "siamese" and run["choices"]["embedder"] == "esmc_tiny"
    assert run["versions"]["torch"] and run["versions"]["esm"]
    assert {"data", "embed", "train", "predict", "total"} <= run["wall_seconds"].keys()
    data = run["data"]
    assert data["labels"]["mapping"] == "binary" and data["self_pairs"]["policy"] == "drop"
    assert data["dedup"]["policy"] == "majority" and data["split"]["method"] == "random"
    assert run["embedder"]["max_len"] == 2048 and run["embedder"]["truncated_sequences"] == 0
    assert (job / "checkpoints" / "last.pt").is_file() and (job / "checkpoints" / "best.safetensors").is_file()

    pred = pd.read_csv(job / "predictions.csv")
    assert list(pred.columns) == ["split", "id", "sequence", "label", "prob", "prob_raw", "id_a", "id_b"]
    assert set(pred["split"]) == {"valid", "test"} and pred["id"].is_unique
    assert pred["sequence"].str.contains(":").all() and pred["prob"].between(0, 1).all()
    assert (pred["id"] == [f"{min(a, b)}|{max(a, b)}" for a, b in zip(pred["id_a"], pred["id_b"], strict=True)]).all()
    metrics = json.loads((job / "metrics.json").read_text())
    assert {"test", "valid", "best_epoch", "epochs_run"} <= metrics.keys()
    assert {"auc", "auprc", "n", "pos_rate"} <= metrics["test"].keys()
    assert metrics["test"]["n"] == int((pred["split"] == "test").sum())
    history = pd.read_csv(job / "history.csv")
    assert list(history.columns) == ["stage", "epoch", "loss", "val_loss", "val_auc", "lr"]
    assert len(history) == metrics["epochs_run"] and set(history["stage"]) == {"train"}
    return run


@pytest.mark.slow
def test_multirun_over_seeds_writes_the_record_and_reuses_the_cache(tmp_path: Path, pairs_csv: Path) -> None:
    sweep = tmp_path / "sweep"
    args = [
        "-m",
        "model=siamese",
        "data=pairs_csv",
        f"data.source.path={pairs_csv}",
        "seed=0,1",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"hydra.sweep.dir={sweep}",
        *TINY,
    ]
    done = protsweep(tmp_path, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = job_dirs(sweep)
    runs = [check_record(job) for job in jobs]
    assert [r["seed"] for r in runs] == [0, 1]
    assert runs[0]["embedder"]["embedded"] == 40 and runs[0]["embedder"]["forward_passes"] > 0
    assert runs[1]["embedder"]["forward_passes"] == 0 and runs[1]["embedder"]["cached"] == 40
    tests = [pd.read_csv(j / "predictions.csv").query("split == 'test'") for j in jobs]
    assert tests[0]["id"].tolist() == tests[1]["id"].tolist()  # the seed never touches the split
    assert not tests[0]["prob"].equals(tests[1]["prob"])

    again = protsweep(tmp_path, *args)  # relaunch: completed jobs are skipped
    assert again.returncode == 0, again.stderr[-3000:]
    assert [json.loads((j / "run.json").read_text())["started_at"] for j in jobs] == [r["started_at"] for r in runs]


@pytest.mark.slow
def test_arch_sweep_file_runs_and_aggregates(tmp_path: Path, pairs_csv: Path) -> None:
    sweep = tmp_path / "sweep"
    done = protsweep(
        tmp_path,
        "sweep=siamese_arch",
        "hydra.sweeper.params.seed='range(2)'",
        "data=pairs_csv",
        f"data.source.path={pairs_csv}",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"hydra.sweep.dir={sweep}",
        "trainer.epochs=2",
        *[t for t in TINY if not t.startswith("trainer.epochs")],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = job_dirs(sweep)
    assert len(jobs) == 4
    runs = [check_record(job) for job in jobs]
    assert sorted(r["network"]["arch"] for r in runs) == ["pseudo_siamese"] * 2 + ["siamese"] * 2
    assert all(r["ablation"]["factor"] == "model.arch" for r in runs)
    assert sum(r["embedder"]["forward_passes"] > 0 for r in runs) == 1  # embedded once for the whole sweep
    by_arch = {r["network"]["arch"]: r["network"] for r in runs}
    assert by_arch["pseudo_siamese"]["encoder_parameters"] == 2 * by_arch["siamese"]["encoder_parameters"]
    assert (sweep / "results").is_dir(), done.stdout[-2000:]  # the aggregator ran, unchanged
    assert "pseudo_siamese" in done.stdout


@pytest.mark.slow
def test_a_nonsense_combination_fails_in_one_line(tmp_path: Path, pairs_csv: Path) -> None:
    run_dir = tmp_path / "run"
    done = protsweep(
        tmp_path,
        "model=siamese",
        "data=pairs_csv",
        f"data.source.path={pairs_csv}",
        "loss=focal",
        "model.pair_head=contrastive",
        f"hydra.run.dir={run_dir}",
        *TINY,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("protsweep: error")]
    assert errors == [
        "protsweep: error: loss=focal with model.pair_head=contrastive makes no sense: the "
        "contrastive head outputs a distance, not a logit; use loss=contrastive, or "
        "model.pair_head=cross_attention (or auto)"
    ]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "failed"


@pytest.mark.parametrize(
    ("sweep", "factor", "values"),
    [("siamese_arch", "model.arch", "siamese,pseudo_siamese"), ("siamese_loss", "loss", "contrastive,bce")],
)
def test_sweep_files_vary_one_factor_over_five_seeds(sweep: str, factor: str, values: str) -> None:
    cfg = compose_config(f"sweep={sweep}", "embedder=esmc_tiny")
    assert cfg.ablation.factor == factor and cfg.model.name == "siamese"
    text = yaml.safe_load((Path(__file__).resolve().parents[2] / "sweeps" / f"{sweep}.yaml").read_text())
    assert text["hydra"]["sweeper"]["params"] == {factor: values, "seed": "range(5)"}
    heads = {check_config(compose_config(f"sweep={sweep}", f"{factor}={v}")) for v in values.split(",")}
    assert len(heads) == (2 if factor == "loss" else 1)
    if factor == "loss":
        assert heads == {PairHead.contrastive, PairHead.cross_attention}

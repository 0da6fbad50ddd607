"""The real CLI, as a subprocess: multirun records, relaunch, failures, determinism, output dirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.metrics import average_precision_score, roc_auc_score

pytestmark = pytest.mark.slow

LIMIT = "data.limit=64"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, cli, tiny_run) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("sweep")
    out = cli(["-m", *tiny_run, LIMIT, "seed=range(2)", f"hydra.sweep.dir={root / 'sw'}"], cwd=root)
    return root / "sw", out


def test_multirun_exits_cleanly_with_one_dir_per_job(sweep, jobs_of) -> None:
    sweep_dir, out = sweep
    assert out.returncode == 0, out.stderr[-3000:]
    names = [p.name for p in jobs_of(sweep_dir)]
    assert names == [
        f"{LIMIT},model=proteinbert_tiny,seed={s},trainer.batch_size=16,trainer.epochs_frozen=1,trainer.epochs_full=0"
        for s in (0, 1)
    ]


def test_every_record_file_follows_the_contract(sweep, jobs_of, read_json) -> None:
    sweep_dir, _ = sweep
    for seed, job in enumerate(jobs_of(sweep_dir)):
        for name in ("config.yaml", "overrides.yaml", "hydra.yaml"):
            assert (job / ".hydra" / name).is_file()
        assert yaml.safe_load((job / ".hydra" / "config.yaml").read_text())["seed"] == seed

        preds = pd.read_csv(job / "predictions.csv")
        assert list(preds.columns[:5]) == ["split", "id", "sequence", "label", "prob"]
        assert set(preds["split"]) == {"valid", "test"}
        assert preds["prob"].between(0, 1).all() and set(preds["label"]) == {0, 1}

        metrics = read_json(job / "metrics.json")
        for split in ("valid", "test"):
            part = preds[preds["split"] == split]
            assert set(metrics[split]) >= {"auc", "auprc", "n", "pos_rate"}
            assert metrics[split]["auc"] == pytest.approx(roc_auc_score(part["label"], part["prob"]), abs=1e-12)
            auprc = average_precision_score(part["label"], part["prob"])
            assert metrics[split]["auprc"] == pytest.approx(auprc, abs=1e-12)
            assert metrics[split]["n"] == len(part)
            assert metrics[split]["pos_rate"] == pytest.approx(part["label"].mean())
        assert metrics["epochs_run"] == 1 and metrics["best_epoch"] == 1

        history = pd.read_csv(job / "history.csv")
        assert list(history.columns) == ["stage", "epoch", "loss", "val_loss", "val_auc", "lr"]
        assert len(history) == metrics["epochs_run"] and history["stage"].tolist() == ["frozen"]
        assert history["val_auc"].iloc[0] == pytest.approx(metrics["valid"]["auc"], abs=1e-6)

        run = read_json(job / "run.json")
        assert run["status"] == "completed" and run["error"] is None and run["seed"] == seed
        assert run["started_at"] < run["ended_at"]
        assert set(run["wall_seconds"]) >= {"frozen", "predict", "total"}
        assert set(run["versions"]) >= {"python", "tensorflow", "protein_bert", "protsweep"}
        assert run["versions"]["protein_bert"] == "1.0.1"
        assert "git_sha" in run
        assert run["pretrained"] == "random"
        data = run["data"]
        assert sum(s["n"] for s in data["splits"].values()) == 64
        assert data["splits"]["test"]["n"] == metrics["test"]["n"]
        assert data["dedup"]["policy"] == "majority" and "conflicting_sequences" in data["dedup"]
        assert data["seq_len"] % 8 == 0 and data["truncated"]["train"] == 0


def test_all_seeds_share_one_test_set(sweep, jobs_of) -> None:
    sweep_dir, _ = sweep
    tests = [pd.read_csv(j / "predictions.csv").query("split == 'test'") for j in jobs_of(sweep_dir)]
    assert tests[0][["id", "label"]].equals(tests[1][["id", "label"]])
    assert not tests[0]["prob"].equals(tests[1]["prob"])  # different seeds really train differently


def test_same_seed_twice_gives_identical_predictions(sweep, jobs_of, cli, tiny_run, tmp_path) -> None:
    """Determinism: seed 0 and seed 1 again, in a fresh process, match the first sweep bit for bit."""
    sweep_dir, _ = sweep
    out = cli(["-m", *tiny_run, LIMIT, "seed=0,1", f"hydra.sweep.dir={tmp_path / 'again'}"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    for first, again in zip(jobs_of(sweep_dir), jobs_of(tmp_path / "again"), strict=True):
        a = pd.read_csv(first / "predictions.csv")
        b = pd.read_csv(again / "predictions.csv")
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_relaunch_skips_completed_jobs(sweep, jobs_of, cli, tiny_run) -> None:
    sweep_dir, _ = sweep
    before = {j: (j / "run.json").read_bytes() for j in jobs_of(sweep_dir)}
    mtimes = {j: (j / "predictions.csv").stat().st_mtime_ns for j in jobs_of(sweep_dir)}
    out = cli(["-m", *tiny_run, LIMIT, "seed=range(2)", f"hydra.sweep.dir={sweep_dir}"], cwd=sweep_dir.parent)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("run.json says completed") + out.stderr.count("run.json says completed") == 2
    for job in jobs_of(sweep_dir):
        assert (job / "run.json").read_bytes() == before[job]
        assert (job / "predictions.csv").stat().st_mtime_ns == mtimes[job]


def test_overwrite_reruns_and_keeps_the_old_record(sweep, jobs_of, cli, tiny_run, read_json) -> None:
    sweep_dir, _ = sweep
    job = jobs_of(sweep_dir)[0]
    old = (job / "run.json").read_bytes()
    args = ["-m", *tiny_run, LIMIT, "seed=0", "overwrite=true", f"hydra.sweep.dir={sweep_dir}"]
    out = cli(args, cwd=sweep_dir.parent)
    assert out.returncode == 0, out.stderr[-3000:]
    kept = list(job.glob("replaced-*/run.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == old
    assert read_json(job / "run.json")["started_at"] > json.loads(old)["started_at"]


def test_failed_job_is_recorded_and_the_others_go_on(cli, tiny_run, tmp_path, jobs_of, read_json) -> None:
    # limit=6 leaves one class in a split: a data error in that job only
    out = cli(["-m", *tiny_run, "data.limit=6,64", f"hydra.sweep.dir={tmp_path / 'sw'}"], cwd=tmp_path)
    assert out.returncode == 1
    failed, completed = jobs_of(tmp_path / "sw")
    assert read_json(completed / "run.json")["status"] == "completed"
    record = read_json(failed / "run.json")
    assert record["status"] == "failed"
    assert "split has only one class" in record["error"]
    assert "Traceback" not in out.stderr
    assert "protsweep: 1 job(s) failed" in out.stderr


def test_bad_input_in_a_single_run_is_one_clear_line(cli, tmp_path) -> None:
    out = cli(["data=csv", f"data.source.path={tmp_path / 'missing.csv'}", "model=proteinbert_tiny"], cwd=tmp_path)
    assert out.returncode == 1
    assert f"protsweep: error: {tmp_path / 'missing.csv'}: data file not found" in out.stderr
    assert "Traceback" not in out.stderr
    run_dirs = list((tmp_path / "outputs" / "runs").iterdir())
    assert len(run_dirs) == 1  # a single run goes to outputs/runs/<timestamp>/


@pytest.mark.parametrize(
    ("override", "message"),
    [("trainer.lrr=1", "Key 'lrr' not in 'ProteinBertTrainerConfig'"),
     ("trainer.batch_size=big", "Value 'big' of type 'str' could not be converted to Integer"),
     ("data.limt=5", "Key 'limt' not in 'DataConfig'"),
     ("sweep=no_such_sweep", "Could not find 'sweep/no_such_sweep'")],
)
def test_config_mistakes_are_rejected_before_anything_runs(cli, tmp_path, override: str, message: str) -> None:
    out = cli([override, "model=proteinbert_tiny"], cwd=tmp_path)
    assert out.returncode != 0
    assert message in out.stderr
    assert not (tmp_path / "outputs" / "runs").exists() or not any((tmp_path / "outputs" / "runs").iterdir())


def test_two_sweeps_started_together_never_share_a_directory(tmp_path) -> None:
    args = [sys.executable, "-m", "protsweep", "-m", "data=csv", f"data.source.path={tmp_path / 'missing.csv'}",
            "model=proteinbert_tiny", "seed=0"]
    procs = [
        subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)
    ]
    for proc in procs:
        proc.wait(timeout=300)
    sweeps = list((tmp_path / "outputs" / "sweeps" / "adhoc").iterdir())
    assert len(sweeps) == 2
    for sweep_dir in sweeps:
        assert len(list(sweep_dir.glob("*/run.json"))) == 1

"""Reusing a completed run of the same config: which records qualify, what the copy holds, and the real CLI
stacking a route on a winner (``sweep=label_smoothing base=two_layer_head``) without retraining its baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from protsweep.aggregate import aggregate
from protsweep.launch.reuse import REUSED_FROM, ReuseKey, copy_run, find_reusable
from protsweep.record.identity import CODE_KEY, INPUTS_KEY, OUTPUTS_KEY, output_digests

SHA = "a" * 64
DATA = {"data.source.path": {"path": "/data/x.csv", "sha256": "d" * 64, "bytes": 10}}
CODE = {"protsweep": "0.4.0", "source_sha256": "c" * 64}
VERSIONS = {"python": "3.12.0", "tensorflow": "2.21.0", "protsweep": "0.4.0"}
KEY = ReuseKey(SHA, DATA, CODE, VERSIONS)


def write_run(path: Path, status: str = "completed", sha: str = SHA, **extra: object) -> Path:
    """A run record as a job of ``KEY`` leaves it (``extra`` replaces or adds fields)."""
    path.mkdir(parents=True)
    (path / "predictions.csv").write_text("split,id\n")
    (path / "metrics.json").write_text("{}\n")
    info = {"status": status, "seed": 0, "fingerprint": {"sha256": sha, "config": {}}, INPUTS_KEY: DATA,
            CODE_KEY: CODE, "versions": VERSIONS, OUTPUTS_KEY: output_digests(path), **extra}
    (path / "run.json").write_text(json.dumps(info))
    return path


def test_only_a_completed_original_with_the_same_fingerprint_is_reused(tmp_path: Path) -> None:
    sweeps = tmp_path / "outputs" / "sweeps"
    write_run(sweeps / "a" / "t1" / "failed", status="failed")
    write_run(sweeps / "a" / "t1" / "other", sha="b" * 64)
    write_run(sweeps / "a" / "t1" / "copy", **{REUSED_FROM: {"run": "elsewhere"}})
    write_run(sweeps / "a" / "t1" / "replaced-1" / "old")  # set aside by overwrite=true: never searched
    me = write_run(sweeps / "b" / "t2" / "me", status="running")
    assert find_reusable(KEY, [sweeps], exclude=me) is None
    good = write_run(sweeps / "a" / "t0" / "good")
    found = find_reusable(KEY, [tmp_path / "missing", sweeps], exclude=me)
    assert found is not None and found[0] == good and found[1]["status"] == "completed"


def test_the_copy_keeps_the_result_and_takes_this_jobs_identity(tmp_path: Path) -> None:
    source = write_run(tmp_path / "src", overrides=["head=two_layer", "seed=0"], wall_seconds={"total": 12.5})
    (source / "model").mkdir()
    (source / "model" / "model.safetensors").write_bytes(b"\x00weights")
    (source / ".protsweep.lock").write_text("{}")
    (source / ".hydra").mkdir()
    (source / ".hydra" / "config.yaml").write_text("source: true\n")
    target = tmp_path / "dst"
    (target / ".hydra").mkdir(parents=True)
    (target / ".hydra" / "config.yaml").write_text("target: true\n")
    info = json.loads((source / "run.json").read_text())
    identity = {"overrides": ["loss.label_smoothing=0.0", "seed=0"], "ablation": {"name": "label_smoothing"}}
    copy_run(source, info, target, identity)

    written = json.loads((target / "run.json").read_text())
    assert written["overrides"] == identity["overrides"] and written["ablation"] == identity["ablation"]
    assert written["wall_seconds"] == {"total": 12.5} and written["fingerprint"]["sha256"] == SHA
    assert written[REUSED_FROM]["run"] == str(source.resolve())
    assert (target / "model" / "model.safetensors").read_bytes() == b"\x00weights"
    assert (target / ".hydra" / "config.yaml").read_text() == "target: true\n"  # this job's own config stays
    assert not (target / ".protsweep.lock").exists()
    assert json.loads((source / "run.json").read_text()) == info  # the source is untouched



@pytest.mark.slow
def test_a_route_on_a_base_reuses_the_bases_runs_and_retraining_gives_the_same(tmp_path, cli, tiny_run) -> None:
    common = [*tiny_run, "data.limit=64", "seed=0", "progress=never"]
    first = cli(["-m", *common, "head=default,two_layer", "ablation.name=head"], cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    (head_sweep,) = (tmp_path / "outputs" / "sweeps" / "head").iterdir()
    (two_layer,) = [d for d in head_sweep.iterdir() if "head=two_layer" in d.name]

    stacked = cli(["sweep=label_smoothing", "base=two_layer_head", *common], cwd=tmp_path)
    assert stacked.returncode == 0, stacked.stderr[-2000:]
    assert "its results were reused, not retrained" in stacked.stderr
    (ls_sweep,) = (tmp_path / "outputs" / "sweeps" / "label_smoothing").iterdir()
    key = "loss.label_smoothing="
    arms = {d.name.split(key)[1].split(",")[0]: d for d in ls_sweep.iterdir() if key in d.name}
    assert set(arms) == {"0.0", "0.05"}
    baseline_run = json.loads((arms["0.0"] / "run.json").read_text())
    assert baseline_run[REUSED_FROM]["run"] == str(two_layer.resolve())
    assert baseline_run["choices"]["base"] == "two_layer_head"
    assert REUSED_FROM not in json.loads((arms["0.05"] / "run.json").read_text())
    reused = pd.read_csv(arms["0.0"] / "predictions.csv")
    pd.testing.assert_frame_equal(reused, pd.read_csv(two_layer / "predictions.csv"))

    # the comparison's baseline is the base's run, and the results say it was stacked and reused
    results = aggregate([ls_sweep], n_boot=200)
    assert results.baseline is not None and "0.0" in results.baseline
    assert results.provenance is not None
    assert results.provenance.bases == ("two_layer_head",) and results.provenance.n_reused == 1
    assert "on base two_layer_head" in results.provenance.line()

    # what was reused is what training again gives
    again = cli(["sweep=label_smoothing", "base=two_layer_head", *common, "loss.label_smoothing=0.0",
                 "reuse.enabled=false", "hydra.sweep.dir=retrained"], cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    (retrained,) = [d for d in (tmp_path / "retrained").iterdir() if "seed=" in d.name]
    assert REUSED_FROM not in json.loads((retrained / "run.json").read_text())
    pd.testing.assert_frame_equal(pd.read_csv(retrained / "predictions.csv"), reused)


@pytest.mark.slow
def test_a_base_the_sweep_varies_is_refused_before_any_job_runs(tmp_path, cli, tiny_run) -> None:
    out = cli(["sweep=head", "base=two_layer_head", *tiny_run, "data.limit=64"], cwd=tmp_path)
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith("protsweep: error: base=two_layer_head sets head, which the job 'head=default'")
    assert "Traceback" not in out.stderr
    assert not list((tmp_path / "outputs" / "sweeps" / "head").glob("*/*/run.json"))

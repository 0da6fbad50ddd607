"""Reuse is exact or absent (issue 21, point 2): each attack of the issue against the reuse search and copy.
A run qualifies only when its fingerprint, input content, code and framework versions equal this job's and its
predictions and metrics still have their recorded sha256; the newest such run wins; a copy is a real copy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.launch.reuse import ReuseKey, copy_run, find_reusable
from protsweep.record.identity import INPUTS_KEY, input_files
from tests.launch.test_reuse import CODE, KEY, SHA, VERSIONS, write_run


def search(tmp_path: Path, key: ReuseKey = KEY) -> tuple[Path | None, list[str]]:
    notes: list[str] = []
    me = tmp_path / "me"
    me.mkdir(exist_ok=True)
    found = find_reusable(key, [tmp_path / "sweeps"], exclude=me, note=notes.append)
    return (found[0] if found else None), notes


def age(run: Path, seconds: float) -> None:
    """Make ``run``'s record ``seconds`` old (the search orders runs by when their record was written)."""
    stamp = os.stat(run / "run.json").st_mtime - seconds
    os.utime(run / "run.json", (stamp, stamp))


def test_a_planted_run_with_garbage_predictions_is_passed_over_for_the_genuine_one(tmp_path: Path) -> None:
    genuine = write_run(tmp_path / "sweeps" / "a" / "genuine")
    age(genuine, 3600)
    planted = tmp_path / "sweeps" / "b" / "planted"
    planted.mkdir(parents=True)
    (planted / "run.json").write_text((genuine / "run.json").read_text())  # a real record ...
    (planted / "metrics.json").write_text((genuine / "metrics.json").read_text())
    (planted / "predictions.csv").write_text("split,id,label,prob,prob_raw\ntest,x,1,1.0,1.0\ntest,y,0,0.0,0.0\n")
    found, notes = search(tmp_path)
    assert found == genuine
    assert notes == [f"passed over {planted} (same config): its predictions.csv differs from the sha256 its record "
                     "holds (changed or planted)"]


def test_a_record_without_output_hashes_is_never_reused(tmp_path: Path) -> None:
    old = write_run(tmp_path / "sweeps" / "old", outputs_sha256=None)
    found, notes = search(tmp_path)
    assert found is None
    assert notes == [f"passed over {old} (same config): its record holds no sha256 of its predictions and metrics"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("versions", {**VERSIONS, "tensorflow": "1.0.0"}, "it ran with other versions (tensorflow 1.0.0 -> 2.21.0)"),
        ("code", {**CODE, "protsweep": "0.0.1"}, "it ran other code (protsweep 0.0.1 -> 0.4.0)"),
        ("code", {**CODE, "source_sha256": "e" * 64}, "it ran other code (source_sha256 " + "e" * 64),
        ("code", None, "it ran other code ((not recorded))"),
    ],
    ids=["old-tensorflow", "old-protsweep", "edited-source", "no-code-record"],
)
def test_a_record_of_other_code_or_frameworks_is_passed_over(tmp_path: Path, field: str, value, reason: str) -> None:
    stale = write_run(tmp_path / "sweeps" / "stale", **{field: value})
    found, notes = search(tmp_path)
    assert found is None
    assert len(notes) == 1 and notes[0].startswith(f"passed over {stale} (same config): {reason}"), notes


def test_a_data_file_edited_in_place_is_new_data(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("sequence,label\nACDE,1\nKLMN,0\n")
    cfg = OmegaConf.create({"data": {"source": {"path": "data.csv", "label_col": "label"}}, "model": {}})
    before = input_files(cfg, tmp_path)
    assert set(before) == {"data.source.path"} and before["data.source.path"]["path"] == str(data)
    run = write_run(tmp_path / "sweeps" / "ran-on-old-data", **{INPUTS_KEY: before})
    assert search(tmp_path, ReuseKey(SHA, input_files(cfg, tmp_path), CODE, VERSIONS))[0] == run
    data.write_text("sequence,label\nACDE,0\nKLMN,1\n")  # same size, labels flipped in place
    os.utime(data, ns=(1, 1))
    found, notes = search(tmp_path, ReuseKey(SHA, input_files(cfg, tmp_path), CODE, VERSIONS))
    assert found is None
    assert notes == [f"passed over {run} (same config): the file data.source.path ({data}) has other content than "
                     "when it ran"]


def test_the_newest_match_wins(tmp_path: Path) -> None:
    older = write_run(tmp_path / "sweeps" / "z-older")  # name sorts last, record written first
    newer = write_run(tmp_path / "sweeps" / "a-newer")
    age(older, 7200)
    age(newer, 60)
    assert search(tmp_path)[0] == newer
    age(newer, 86400)
    assert search(tmp_path)[0] == older


def test_the_copy_is_a_real_copy_writing_to_it_never_changes_the_source(tmp_path: Path) -> None:
    source = write_run(tmp_path / "src")
    (source / "app.log").write_text("source line\n" * 6)
    target = tmp_path / "dst"
    target.mkdir()
    copy_run(source, json.loads((source / "run.json").read_text()), target, {"overrides": []})
    for name in ("predictions.csv", "metrics.json", "app.log"):
        assert not os.path.samefile(source / name, target / name)
        assert os.stat(source / name).st_nlink == 1
    before = (source / "predictions.csv").read_text()
    with (target / "predictions.csv").open("a") as handle:  # appending to the copy ...
        handle.write("test,z\n")
    with (target / "app.log").open("a") as handle:  # ... and a new job's log (overwrite=true) in the copy
        handle.write("new job line\n" * 7)
    assert (source / "predictions.csv").read_text() == before  # ... leave the source as it was
    assert (source / "app.log").read_text() == "source line\n" * 6


def test_the_copy_is_checked_against_the_recorded_sha256(tmp_path: Path) -> None:
    source = write_run(tmp_path / "src")
    info = json.loads((source / "run.json").read_text())
    (source / "predictions.csv").write_text("split,id\ntest,planted\n")  # changed after the search chose it
    target = tmp_path / "dst"
    target.mkdir()
    with pytest.raises(OSError, match="differs from the sha256 its record holds"):
        copy_run(source, info, target, {"overrides": []})
    assert not (target / "run.json").exists()  # never recorded as completed


def _data(path: Path, flip: bool = False) -> None:
    rng = np.random.default_rng(3)
    residues = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    rows = ["sequence,label"]
    for i in range(80):
        label = i % 2 if not (flip and i < 10) else 1 - i % 2
        rows.append("".join(rng.choice(residues, 12 + i % 7)) + ("K" * (i % 2)) + f",{label}")
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.slow
def test_the_real_command_passes_over_a_planted_run_and_retrains_on_edited_data(tmp_path: Path, cli, tiny_run) -> None:
    _data(tmp_path / "data.csv")
    common = [*tiny_run, "data=csv", "data.source.path=data.csv", "seed=0", "progress=never"]
    first = cli([*common, "hydra.run.dir=outputs/runs/first"], cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    genuine = tmp_path / "outputs" / "runs" / "first"
    planted = tmp_path / "outputs" / "runs" / "planted"
    planted.mkdir()
    (planted / "run.json").write_text((genuine / "run.json").read_text())
    (planted / "metrics.json").write_text((genuine / "metrics.json").read_text())
    fake = pd.read_csv(genuine / "predictions.csv").assign(prob_raw=lambda f: f["label"].astype(float))
    fake.to_csv(planted / "predictions.csv", index=False)  # AUC 1.0

    second = cli([*common, "hydra.run.dir=outputs/runs/second"], cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert f"passed over {planted} (same config): its predictions.csv differs from the sha256" in second.stderr
    copy = tmp_path / "outputs" / "runs" / "second"
    assert json.loads((copy / "run.json").read_text())["reused_from"]["run"] == str(genuine.resolve())
    pd.testing.assert_frame_equal(pd.read_csv(copy / "predictions.csv"), pd.read_csv(genuine / "predictions.csv"))

    _data(tmp_path / "data.csv", flip=True)  # edited in place: 10 labels flipped
    third = cli([*common, "hydra.run.dir=outputs/runs/third"], cwd=tmp_path)
    assert third.returncode == 0, third.stderr[-2000:]
    assert f"passed over {genuine} (same config): the file data.source.path" in third.stderr
    retrained = json.loads((tmp_path / "outputs" / "runs" / "third" / "run.json").read_text())
    assert "reused_from" not in retrained
    assert retrained["inputs"]["data.source.path"]["sha256"] != json.loads(
        (genuine / "run.json").read_text())["inputs"]["data.source.path"]["sha256"]

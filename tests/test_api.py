"""The Python API: a job and a sweep from override lists, the sweep's tables, a saved model scoring in memory."""

from __future__ import annotations

import pandas as pd
import pytest

from protsweep import api

LIMIT = "data.limit=200"


@pytest.mark.slow
def test_run_sweep_load_and_score_in_memory(tmp_path, tiny_run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = api.run([LIMIT, *tiny_run])
    assert run_dir.parent == (tmp_path / "outputs/runs").resolve()
    predictions = pd.read_csv(run_dir / "predictions.csv")
    test = predictions[predictions["split"] == "test"].head(8)

    model = api.load_model(run_dir)
    assert (model.family, model.kind) == ("proteinbert", "single")
    scored = model.score(dict(zip(test["id"], test["sequence"], strict=True)))
    assert scored["id"].tolist() == test["id"].tolist()
    # the same numbers as the run's own predictions of its test split
    assert scored["prob_raw"].to_numpy() == pytest.approx(test["prob_raw"].to_numpy(), abs=1e-5)
    assert scored["prob"].to_numpy() == pytest.approx(test["prob"].to_numpy(), abs=1e-5)
    # a plain list: ids derived from the sequences, as in training
    assert model.score(test["sequence"].tolist())["id"].tolist() == test["id"].tolist()

    sweep_dir = api.sweep(["loss.label_smoothing=0.0,0.1", "seed=0", LIMIT, *tiny_run], out_dir="outputs/sweeps/ls")
    assert sweep_dir == (tmp_path / "outputs/sweeps/ls").resolve()
    results = api.load_results(sweep_dir)
    assert len(results.per_run) == 2
    assert len(results.summary) == 2
    assert isinstance(results.comparisons, pd.DataFrame)


def test_a_failed_run_raises_with_its_error_line(tmp_path):
    with pytest.raises(api.RunFailedError, match=r"protsweep: error:.*missing\.csv"):
        api.run(["data=csv", f"data.source.path={tmp_path / 'missing.csv'}", "model=proteinbert_tiny"], cwd=tmp_path)


def test_in_memory_sequences_are_checked_like_files(tmp_path):
    model = api.SavedModel(runs={}, cards={}, family="proteinbert", kind="single", alphabet="ACDEFGHIKLMNPQRSTVWY")
    with pytest.raises(api.ProtsweepError, match=r"<sequences>.*row 1.*'1'"):
        model.inputs(["ACD", "AC1"])
    pairs = api.SavedModel(runs={}, cards={}, family="siamese", kind="pairs", alphabet="ACDEFGHIKLMNPQRSTVWY")
    frame = pairs.inputs([("acd", "KLM")])
    assert frame[["seq_a", "seq_b", "sequence"]].iloc[0].tolist() == ["ACD", "KLM", "ACD:KLM"]

"""aggregate(): every reported number against an independent computation on the records' own files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from protsweep.aggregate import (
    BaselineError,
    NoCompletedRunsError,
    OutputDirError,
    TestSetMismatchError,
    aggregate,
    console_summary,
    summary_markdown,
    write_results,
)
from protsweep.aggregate.stat_tests import holm

from .runrecords import BASE_CONFIG, make_head_sweep, synthetic_labels, synthetic_probs, write_run
from .test_delong import brute_force_delong

N_BOOT = 2000


def _test_rows(run_dir: str) -> pd.DataFrame:
    frame = pd.read_csv(Path(run_dir) / "predictions.csv", dtype={"id": str})
    return frame[frame["split"] == "test"].sort_values("id")


def _auc(run_dir: str) -> float:
    t = _test_rows(run_dir)
    return roc_auc_score(t["label"], t["prob"])


@pytest.fixture(scope="module")
def three_heads(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("three")
    sweep = make_head_sweep(
        root,
        effects={"default": 1.6, "two_layer": 2.2, "wide": 1.6},
        skip=lambda head, seed: head == "wide" and seed == 4,
        fail=lambda head, seed: (
            "RuntimeError: CUDA out of memory" if (head, seed) == ("two_layer", 2) else None
        ),
    )
    return sweep, aggregate([sweep], n_boot=N_BOOT, seed=0)


def test_per_run_metrics_equal_sklearn(three_heads) -> None:
    _, res = three_heads
    used = res.per_run[res.per_run["used"]]
    assert len(used) == 13
    for _, row in used.iterrows():
        t = _test_rows(row["run_dir"])
        assert row["auc"] == pytest.approx(roc_auc_score(t["label"], t["prob"]), abs=1e-12)
        assert row["auprc"] == pytest.approx(average_precision_score(t["label"], t["prob"]), abs=1e-12)
        assert row["auc_lo"] < row["auc"] < row["auc_hi"]
        assert row["auprc_lo"] < row["auprc"] < row["auprc_hi"]
    failed = res.per_run[res.per_run["status"] == "failed"]
    assert list(failed["error"]) == ["RuntimeError: CUDA out of memory"]


def test_summary_seed_statistics(three_heads) -> None:
    _, res = three_heads
    s = res.summary.set_index("variant")
    assert res.summary["variant"].iloc[0] == "head=default"  # baseline first
    assert bool(s.loc["head=default", "baseline"])
    assert bool(s.loc["head=two_layer", "best"]) and s["best"].sum() == 1
    for variant, row in s.iterrows():
        aucs = res.per_run[(res.per_run["variant"] == variant) & res.per_run["used"]]["auc"].to_numpy()
        # The t-interval is taken on the logit scale (issue 14: it must stay within [0, 1]).
        z = np.log(aucs / (1 - aucs))
        lo, hi = stats.t.interval(0.95, df=aucs.size - 1, loc=z.mean(), scale=stats.sem(z))
        assert row["n_seeds"] == aucs.size
        assert (row["auc_mean"], row["auc_sd"], row["auc_ci_lo"], row["auc_ci_hi"]) == pytest.approx(
            (aucs.mean(), aucs.std(ddof=1), 1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi)))
        )


def test_ensembles(three_heads) -> None:
    _, res = three_heads
    for _, row in res.summary.iterrows():
        runs = res.per_run[(res.per_run["variant"] == row["variant"]) & res.per_run["used"]]
        frames = [_test_rows(d) for d in runs["run_dir"]]
        y = frames[0]["label"].to_numpy()
        p = np.mean([f["prob"].to_numpy() for f in frames], axis=0)
        assert row["ens_k"] == len(frames)
        assert row["ens_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
        assert row["ens_auprc"] == pytest.approx(average_precision_score(y, p), abs=1e-12)
        assert row["ens_gain_auc"] == pytest.approx(row["ens_auc"] - row["auc_mean"])
        assert row["ens_gain_auprc"] == pytest.approx(row["ens_auprc"] - row["auprc_mean"])
        assert row["ens_auc_lo"] < row["ens_auc"] < row["ens_auc_hi"]


def test_comparisons_use_matching_seeds_and_equal_k(three_heads) -> None:
    _, res = three_heads
    c = res.comparisons.set_index("variant")
    runs = res.per_run[res.per_run["used"]]

    def seeds_of(v: str) -> dict[int, str]:
        sub = runs[runs["variant"] == v]
        return dict(zip(sub["seed"].astype(int), sub["run_dir"], strict=True))

    base = seeds_of("head=default")
    for variant in ("head=two_layer", "head=wide"):
        var = seeds_of(variant)
        common = sorted(set(var) & set(base))
        row = c.loc[variant]
        assert row["k"] == 4 and row["seeds"] == ",".join(map(str, common))
        a = np.array([_auc(var[s]) for s in common])
        b = np.array([_auc(base[s]) for s in common])
        ref = stats.ttest_rel(a, b)
        assert row["delta_auc"] == pytest.approx((a - b).mean())
        assert row["p_auc"] == pytest.approx(ref.pvalue)
        # Ensembles at equal K: only the common seeds on both sides.
        y = _test_rows(base[common[0]])["label"].to_numpy()
        pv = np.mean([_test_rows(var[s])["prob"].to_numpy() for s in common], axis=0)
        pb = np.mean([_test_rows(base[s])["prob"].to_numpy() for s in common], axis=0)
        assert row["ens_auc"] == pytest.approx(roc_auc_score(y, pv), abs=1e-12)
        assert row["ens_auc_base"] == pytest.approx(roc_auc_score(y, pb), abs=1e-12)
        assert row["ens_delta_auprc"] == pytest.approx(
            average_precision_score(y, pv) - average_precision_score(y, pb), abs=1e-12
        )
        _, _, var_bf, p_bf = brute_force_delong(y, pv, pb)
        assert row["delong_var"] == pytest.approx(var_bf, abs=1e-9)
        assert row["p_delong"] == pytest.approx(p_bf, abs=1e-9)
        assert row["ens_delta_auc_lo"] < row["ens_delta_auc"] < row["ens_delta_auc_hi"]
    for col in ("p_auc", "p_auprc", "p_delong"):
        np.testing.assert_allclose(res.comparisons[f"{col}_holm"], holm(res.comparisons[col]))
    assert c.loc["head=two_layer", "p_auc_holm"] < 0.05 < c.loc["head=wide", "p_auc_holm"]


def test_coverage(three_heads) -> None:
    _, res = three_heads
    cov = res.coverage.set_index("variant")
    assert cov.loc["head=default", "seeds_completed"] == "0,1,2,3,4"
    assert cov.loc["head=two_layer", "seeds_failed"] == "2"
    assert "seed 2: RuntimeError: CUDA out of memory" in cov.loc["head=two_layer", "errors"]
    assert cov.loc["head=wide", "seeds_missing"] == "4"  # from multirun.yaml: never started
    assert (cov["n_expected"] == 5).all()


def test_reference_numbers_are_read_from_config(three_heads) -> None:
    _, res = three_heads
    assert res.reference is not None and res.reference["auc_mean"] == 0.8809
    assert "Exp5 / Exp8" in summary_markdown(res)


def test_one_seed(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0])
    res = aggregate([sweep], n_boot=500)
    s = res.summary.set_index("variant")
    assert (s["n_seeds"] == 1).all()
    assert s["auc_sd"].isna().all() and s["auc_ci_lo"].isna().all()  # no t-interval
    assert s["auc_mean"].notna().all() and s["ens_auc"].notna().all()
    c = res.comparisons.iloc[0]
    assert c["k"] == 1 and math.isnan(c["p_auc"]) and "no paired t-test" in c["note"]
    assert not math.isnan(c["p_delong"]) and not math.isnan(c["ens_delta_auc_lo"])
    assert "—" in console_summary(res)


def test_corrupt_metrics_and_missing_predictions_are_reported_and_skipped(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path)
    run = sweep / "head=two_layer,seed=1"
    text = (run / "metrics.json").read_text()
    (run / "metrics.json").write_text(text[:10])
    (sweep / "head=default,seed=3" / "predictions.csv").unlink()
    res = aggregate([sweep], n_boot=300)
    cov = res.coverage.set_index("variant")
    assert cov.loc["head=two_layer", "seeds_skipped"] == "1"
    assert "metrics.json unreadable" in cov.loc["head=two_layer", "errors"]
    assert cov.loc["head=default", "seeds_skipped"] == "3"
    assert "predictions.csv missing" in cov.loc["head=default", "errors"]
    s = res.summary.set_index("variant")
    assert s.loc["head=two_layer", "n_seeds"] == 4 and s.loc["head=default", "n_seeds"] == 4
    assert res.comparisons.iloc[0]["k"] == 3  # seeds 0, 2, 4
    assert "predictions.csv missing" in summary_markdown(res)


def test_every_job_failed(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, fail=lambda head, seed: f"ImportError: no module tf ({head})")
    with pytest.raises(NoCompletedRunsError, match=r"no completed runs .*10 failed.*ImportError"):
        aggregate([sweep])


def _mismatch_sweep(tmp_path: Path, *, change_labels: bool) -> Path:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    y = synthetic_labels(300)
    ids = [f"t{i:05d}" for i in range(300)]
    if change_labels:
        y = y.copy()
        y[10] = 1 - y[10]
    else:
        ids[5] = "other"
    cfg = json.loads(json.dumps(BASE_CONFIG))
    write_run(
        sweep,
        ["sweep=head", "head=default", "seed=1"],
        seed=1,
        test_probs=synthetic_probs(y, 1.6, 3),
        test_labels=y,
        test_ids=ids,
        config=cfg,
    )
    return sweep


@pytest.mark.parametrize("change_labels", [False, True])
def test_test_sets_that_differ_are_refused(tmp_path: Path, change_labels: bool) -> None:
    sweep = _mismatch_sweep(tmp_path, change_labels=change_labels)
    what = "labels differ for 1 id" if change_labels else "ids differ"
    with pytest.raises(TestSetMismatchError, match=what) as info:
        aggregate([sweep], n_boot=100)
    assert "head=default,seed=1" in str(info.value)  # names the run


def test_explicit_baseline(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2])
    res = aggregate([sweep], baseline=["head=two_layer"], n_boot=200)
    assert res.baseline == "head=two_layer"
    assert res.summary.iloc[0]["variant"] == "head=two_layer"
    assert res.comparisons.iloc[0]["delta_auc"] < 0
    with pytest.raises(BaselineError, match="matches no variant"):
        aggregate([sweep], baseline=["head=nope"], n_boot=200)


def test_no_declared_baseline_gives_tables_without_comparisons(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    for cfg_path in sweep.glob("*/.hydra/config.yaml"):
        cfg = yaml.safe_load(cfg_path.read_text())
        cfg["ablation"]["baseline"] = {}
        cfg_path.write_text(yaml.safe_dump(cfg))
        info = json.loads((cfg_path.parent.parent / "run.json").read_text())
        info["ablation"]["baseline"] = {}
        (cfg_path.parent.parent / "run.json").write_text(json.dumps(info))
    res = aggregate([sweep], n_boot=200)
    assert res.baseline is None and res.comparisons.empty and len(res.summary) == 2
    assert any("no baseline" in p for p in res.problems)


def test_pooling_two_dirs_with_a_duplicate_seed(tmp_path: Path) -> None:
    a = make_head_sweep(tmp_path / "a", seeds=[0, 1, 2])
    b = make_head_sweep(tmp_path / "b", seeds=[2, 3])
    res = aggregate([a, b], n_boot=200)
    assert (res.summary["n_seeds"] == 4).all()
    assert any("2 completed runs" in p for p in res.problems)
    assert res.per_run["used"].sum() == 8 and len(res.per_run) == 10


def test_metrics_json_disagreeing_with_predictions_is_reported(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    run = sweep / "head=default,seed=0"
    m = json.loads((run / "metrics.json").read_text())
    m["test"]["auc"] = 0.5
    (run / "metrics.json").write_text(json.dumps(m))
    res = aggregate([sweep], n_boot=100)
    assert any("metrics.json test auc 0.500000 differs" in p for p in res.problems)


def test_write_results_folder(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2])
    res = aggregate([sweep], n_boot=200)
    out = write_results(res)
    assert out == (sweep / "results").absolute()
    names = {p.name for p in out.iterdir()}
    assert {"per_run.csv", "summary.csv", "summary.md", "summary.tex", "forest.png", "roc_pr.png"} <= names
    assert pd.read_csv(out / "summary.csv")["variant"].iloc[0] == "head=default"
    md = (out / "summary.md").read_text()
    table = [line for line in md.splitlines() if line.startswith("| head=")]
    assert table[0].startswith("| head=default (baseline)") and "★" in table[1]
    assert "\\begin{tabular}" in (out / "summary.tex").read_text()
    (out / "stale.txt").write_text("old")
    write_results(res, plots=False)  # replaced as a whole
    assert not (out / "stale.txt").exists() and not (out / "forest.png").exists()
    assert not [p for p in sweep.iterdir() if p.name.startswith(".results")]  # no temp folders left
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(OutputDirError, match="refusing"):
        write_results(res, foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"

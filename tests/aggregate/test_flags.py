"""Issue 14: what the numbers cannot carry is flagged: degenerate runs, intervals out of range, small
splits, unreadable labels; and the plots come out without matplotlib warnings."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from protsweep.aggregate import aggregate, console_summary, summary_markdown, write_results
from protsweep.aggregate.cli import aggregate_main
from protsweep.aggregate.labels import ELLIPSIS, MAX_LABEL_LEN
from protsweep.aggregate.metrics import auc_edge_eps, is_degenerate
from protsweep.aggregate.plots import bounded_limits
from protsweep.aggregate.render import coverage_display, seeds_cell
from protsweep.aggregate.stat_tests import bounded_t_summary

from .runrecords import BASE_CONFIG, make_head_sweep, synthetic_labels, synthetic_probs, write_run

# ---------------------------------------------------------------------------------------------- degenerate


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        (np.full(50, 0.31), True),  # constant
        (np.r_[np.full(25, 0.2), np.full(25, 0.7)], True),  # two distinct values
        (0.5 + np.linspace(0, 5e-7, 50), True),  # many values, range below 1e-6
        (np.r_[0.1, 0.2, 0.3], False),
        (np.linspace(0.4, 0.6, 50), False),
    ],
)
def test_is_degenerate(probs: np.ndarray, expected: bool) -> None:
    assert is_degenerate(probs) is expected


def _collapse(run: Path, value: float = 0.37) -> None:
    """Make a run's predictions constant (test and valid), as a collapsed model writes them."""
    frame = pd.read_csv(run / "predictions.csv", dtype={"id": str})
    frame["prob"] = value
    frame.to_csv(run / "predictions.csv", index=False)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["test"]["auc"] = 0.5
    metrics["test"]["auprc"] = float(frame.loc[frame["split"] == "test", "label"].mean())
    (run / "metrics.json").write_text(json.dumps(metrics))


@pytest.fixture(scope="module")
def collapsed_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sweep = make_head_sweep(tmp_path_factory.mktemp("collapsed"))
    _collapse(sweep / "head=two_layer,seed=0")
    return sweep


def test_a_degenerate_run_is_flagged_and_kept_by_default(collapsed_sweep: Path) -> None:
    res = aggregate([collapsed_sweep], n_boot=200)
    flagged = res.per_run[res.per_run["degenerate"]]
    assert [(v, s) for v, s in zip(flagged["variant"], flagged["seed"], strict=True)] == [("head=two_layer", 0)]
    assert bool(flagged["used"].iloc[0]) and flagged["auc"].iloc[0] == 0.5
    cov = res.coverage.set_index("variant")
    assert cov.loc["head=two_layer", "seeds_degenerate"] == "0" and cov.loc["head=default", "seeds_degenerate"] == ""
    s = res.summary.set_index("variant")
    assert s.loc["head=two_layer", "n_seeds"] == 5 and s.loc["head=two_layer", "n_degenerate"] == 1
    used = res.per_run[res.per_run["used"] & (res.per_run["variant"] == "head=two_layer")]
    assert s.loc["head=two_layer", "auc_mean"] == pytest.approx(used["auc"].mean())  # kept in the mean
    assert "degenerate run(s): head=two_layer seed 0" in res.comparisons.iloc[0]["note"]
    assert res.comparisons.iloc[0]["k"] == 5
    assert res.warnings and res.problems[0] == res.warnings[0] and "degenerate" in res.warnings[0]
    assert "head=two_layer seed 0: degenerate" in summary_markdown(res).split("## Summary")[0]  # warned on top
    assert "1 degenerate" in console_summary(res) and "degenerate" in console_summary(res).splitlines()[1]


def test_a_degenerate_run_is_left_out_on_request(collapsed_sweep: Path) -> None:
    res = aggregate([collapsed_sweep], n_boot=200, exclude_degenerate=True)
    row = res.per_run[res.per_run["degenerate"]].iloc[0]
    assert not row["used"]
    s = res.summary.set_index("variant")
    assert s.loc["head=two_layer", "n_seeds"] == 4 and s.loc["head=two_layer", "n_degenerate"] == 0
    assert res.comparisons.iloc[0]["k"] == 4 and res.comparisons.iloc[0]["seeds"] == "1,2,3,4"
    assert res.coverage.set_index("variant").loc["head=two_layer", "seeds_degenerate"] == "0"
    assert "excluded" in res.warnings[0]


def test_run_json_flag_is_preferred(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    _collapse(sweep / "head=default,seed=0")
    for job, flag in (("head=default,seed=0", False), ("head=two_layer,seed=1", {"valid": True, "test": False})):
        info = json.loads((sweep / job / "run.json").read_text())
        info["degenerate"] = flag
        (sweep / job / "run.json").write_text(json.dumps(info))
    per_run = aggregate([sweep], n_boot=100).per_run
    flagged = per_run.loc[per_run["degenerate"], "run_dir"].map(lambda d: Path(d).name).tolist()
    assert flagged == ["head=two_layer,seed=1"]


# ---------------------------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    ("values", "lower", "upper"),
    [
        ([0.31, 0.95], 0.0, 1.0),  # two seeds near 0.5 and far apart: the raw t-interval is [-3.4, 4.7]
        ([0.45, 0.5, 0.98], 0.0, 1.0),  # near 0.5, one seed far off
        ([0.999, 1.0, 0.98], 0.0, 1.0),  # near 1, one seed exactly 1
        ([-0.9, 0.7], -1.0, 1.0),  # a difference
    ],
)
def test_bounded_intervals_stay_in_range(values: list[float], lower: float, upper: float) -> None:
    s = bounded_t_summary(values, lower, upper)
    v = np.asarray(values)
    raw = stats.t.interval(0.95, df=v.size - 1, loc=v.mean(), scale=stats.sem(v))
    assert raw[0] < lower or raw[1] > upper  # the plain t-interval would leave the range
    assert lower <= s.ci_lo <= s.ci_hi <= upper
    assert s.ci_lo < np.median(v) < s.ci_hi
    assert (s.mean, s.sd) == pytest.approx((v.mean(), v.std(ddof=1)))


def test_bounded_interval_is_the_logit_t_interval() -> None:
    v = np.array([0.71, 0.74, 0.69, 0.77, 0.73])
    z = np.log(v / (1 - v))
    lo, hi = stats.t.interval(0.95, df=4, loc=z.mean(), scale=stats.sem(z))
    s = bounded_t_summary(v)
    assert (s.ci_lo, s.ci_hi) == pytest.approx((1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi))))
    d = bounded_t_summary([0.1, -0.05, 0.2], -1.0, 1.0)  # Fisher's z scale for a difference
    zd = np.arctanh([0.1, -0.05, 0.2])
    lo, hi = stats.t.interval(0.95, df=2, loc=zd.mean(), scale=stats.sem(zd))
    assert (d.ci_lo, d.ci_hi) == pytest.approx((np.tanh(lo), np.tanh(hi)))


def test_an_auc_of_exactly_one_is_clamped_by_half_the_auc_resolution() -> None:
    labels = np.r_[np.ones(3, int), np.zeros(57, int)]
    eps = auc_edge_eps(labels)
    assert eps == pytest.approx(0.5 / (3 * 57))
    aucs = [0.975, 0.99, 1.0]
    z = np.log(np.clip(aucs, eps, 1 - eps) / (1 - np.clip(aucs, eps, 1 - eps)))
    lo, hi = stats.t.interval(0.95, df=2, loc=z.mean(), scale=stats.sem(z))
    s = bounded_t_summary(aucs, eps=eps)
    assert (s.ci_lo, s.ci_hi) == pytest.approx((1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi))))
    assert s.ci_lo > 0.85  # a clamp at 1e-6 instead would stretch the interval down to about 0.001
    assert bounded_t_summary(aucs, eps=1e-6).ci_lo < 0.01


def test_sweep_intervals_stay_in_range_near_half_and_near_one(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, effects={"default": 0.05, "two_layer": 9.0}, seeds=[0, 1], n=120)
    res = aggregate([sweep], n_boot=200)
    s = res.summary
    for m in ("auc", "auprc"):
        assert ((s[f"{m}_ci_lo"] >= 0) & (s[f"{m}_ci_hi"] <= 1) & (s[f"{m}_ci_lo"] <= s[f"{m}_ci_hi"])).all()
    assert s.set_index("variant").loc["head=two_layer", "auc_mean"] > 0.99
    c = res.comparisons.iloc[0]
    for m in ("auc", "auprc"):
        assert -1 <= c[f"delta_{m}_ci_lo"] <= c[f"delta_{m}"] <= c[f"delta_{m}_ci_hi"] <= 1


def test_plot_limits_stay_in_range() -> None:
    assert bounded_limits([-1.25, 0.5, 2.25], 0.0, 1.0) == (0.0, 1.0)
    lo, hi = bounded_limits([0.80, 0.85, np.nan], 0.0, 1.0)
    assert 0.7 < lo < 0.8 and 0.85 < hi < 0.95
    assert bounded_limits([], -1.0, 1.0) == (-1.0, 1.0)


# ---------------------------------------------------------------------------------------------- small splits


def _small_sweep(root: Path) -> Path:
    y = np.zeros(60, dtype=int)
    y[:3] = 1  # three positives in the test set
    sweep = make_head_sweep(root, seeds=[0, 1, 2], labels=y)
    for run_json in sweep.glob("*/run.json"):
        info = json.loads(run_json.read_text())
        info["data"] = {
            "split": {"method": "cold", "kept_pairs": 400, "dropped_pairs": 170},
            "splits": {"train": {"n": 320, "pos": 41}, "valid": {"n": 20, "pos": 5}, "test": {"n": 60, "pos": 3}},
        }
        run_json.write_text(json.dumps(info))
    return sweep


def test_small_test_split_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = _small_sweep(tmp_path)
    res = aggregate([sweep], n_boot=200)
    splits = res.splits.set_index("split")
    assert splits.loc["test", ["n", "pos", "neg"]].tolist() == [60, 3, 57] and bool(splits.loc["test", "small"])
    assert splits.loc["train", "source"] == "run.json" and not splits.loc["train", "small"]
    assert bool(splits.loc["valid", "small"])  # 5 positives in the predictions' valid rows
    assert any("small test split" in w and "3 positive(s), 57 negative(s)" in w for w in res.warnings)
    assert any(
        "cold split" in n and "kept 400 pairs" in n and "test 60 pairs (3 positive)" in n for n in res.split_notes
    )
    md = summary_markdown(res)
    assert "small test split" in md.split("## Summary")[0] and "kept 400 pairs" in md
    assert aggregate_main([str(sweep), "--n-boot", "100", "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "small test split" in out
    assert pd.read_csv(sweep / "results" / "splits.csv")["small"].any()


def test_min_class_count_option(tmp_path: Path) -> None:
    sweep = _small_sweep(tmp_path)
    res = aggregate([sweep], n_boot=100, min_class_count=3)
    assert res.warnings == [] and not res.splits["small"].any()  # 3 positives and 5 are not below 3


# ---------------------------------------------------------------------------------------------- labels and plots


def _sweep_with_paths(root: Path, variants: list[str], key: str = "variant", seeds: range = range(2)) -> Path:
    sweep = root / "sweep"
    y = synthetic_labels(80)
    for i, name in enumerate(variants):
        cfg = json.loads(json.dumps(BASE_CONFIG))
        cfg["head"] = {"name": name, "hidden": i}
        cfg["ablation"] = {"name": "routes", "factor": key, "baseline": {key: variants[0]}}
        for s in seeds:
            overrides = [
                "model=siamese",
                "data=pairs_csv",
                "data.source.path=/home/someone/projects/ppi/data/guo_yeast_pairs_2026.csv",
                f"paths.cache_dir=/scratch/someone/cache/{s}",
                f"{key}={name}",
                f"seed={s}",
            ]
            write_run(
                sweep,
                overrides,
                seed=s,
                test_probs=synthetic_probs(y, 1.0 + 0.1 * i, seed=10 * i + s),
                test_labels=y,
                config=cfg,
                subdir=f"job{i}_{s}",
            )
    return sweep


def test_labels_use_only_differing_keys_and_shorten(tmp_path: Path) -> None:
    long = ["baseline", "augment_truncate_blosum_with_a_rather_long_option_name_indeed"]
    res = aggregate([_sweep_with_paths(tmp_path, long)], n_boot=100)
    labels = list(res.summary["variant"])
    assert labels[0] == "variant=baseline"
    assert len(labels[1]) == MAX_LABEL_LEN and ELLIPSIS in labels[1]
    assert labels[1].startswith("variant=augment_tru") and labels[1].endswith("name_indeed")
    assert not any("/" in label or "data" in label or "paths" in label for label in labels)
    legend = res.variants.set_index("variant")
    full = legend.loc[labels[1], "overrides"]
    assert long[1] in full and "data.source.path=/home/someone/projects/ppi/data/guo_yeast_pairs_2026.csv" in full
    assert "seed=" not in full


def test_a_path_that_tells_variants_apart_is_shown_by_its_file_name(tmp_path: Path) -> None:
    res = aggregate([_sweep_with_paths(tmp_path, ["/data/a/set_one.csv", "/data/b/set_two.csv"], key="data.source.x")],
                    n_boot=100)  # fmt: skip
    assert sorted(res.summary["variant"]) == ["data.source.x=set_one.csv", "data.source.x=set_two.csv"]


def _write_without_warnings(res, out: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_results(res, out)
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []
    assert (out / "forest.png").stat().st_size > 0 and (out / "roc_pr.png").stat().st_size > 0


def test_one_variant_plots_without_warnings(tmp_path: Path) -> None:
    res = aggregate([_sweep_with_paths(tmp_path, ["siamese"], key="model.arch", seeds=range(3))], n_boot=100)
    assert list(res.summary["variant"]) == ["model.arch=siamese"]
    _write_without_warnings(res, tmp_path / "out")
    assert pd.read_csv(tmp_path / "out" / "variants.csv")["overrides"].str.contains("/home/someone").all()


def test_twelve_variants_plot_without_warnings(tmp_path: Path) -> None:
    names = ["baseline"] + [f"a_descriptive_and_rather_long_route_name_{i:02d}" for i in range(11)]
    res = aggregate([_sweep_with_paths(tmp_path, names)], n_boot=100)
    assert len(res.summary) == 12 and res.summary["variant"].str.len().max() <= MAX_LABEL_LEN
    assert res.summary["variant"].is_unique and not res.summary["variant"].str.contains("#").any()
    _write_without_warnings(res, tmp_path / "out")


def test_the_coverage_table_names_seeds_not_counts(collapsed_sweep: Path) -> None:
    """issue 25: "degenerate | 0" meant seed 0 but read as "zero degenerate runs"."""
    shown = coverage_display(aggregate([collapsed_sweep], n_boot=100)).set_index("variant")
    assert shown.loc["head=two_layer", "degenerate"] == "seed 0" and shown.loc["head=default", "degenerate"] == "—"
    assert seeds_cell("0,3") == "seeds 0, 3" and seeds_cell("") == "—" and seeds_cell(float("nan")) == "—"

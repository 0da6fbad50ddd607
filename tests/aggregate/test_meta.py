"""Issue 19 point 2: one route across several data sets. The random-effects meta-analysis against a
published reference, and the ranking against autorank."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from protsweep.aggregate.meta import pool_deltas, pooled_routes, rank_variants
from protsweep.aggregate.verdict import BETTER, EQUIVALENT

# metafor's dat.bcg (BCG vaccine trials; Colditz et al. 1994): tpos, tneg, cpos, cneg
BCG = np.array([[4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
                [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
                [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
                [27, 16886, 29, 17825]], dtype=float)


def test_meta_analysis_reproduces_the_published_bcg_results() -> None:
    """Log risk ratios of dat.bcg; Viechtbauer (2010, metafor) reports for rma(method="DL"): τ² = 0.3088,
    I² = 92.12%, estimate −0.7141, se 0.1787. Hartung–Knapp: the same estimate, se² = Σ wᵢ(yᵢ − μ̂)² /
    ((k − 1) Σ wᵢ) with wᵢ = 1/(vᵢ + τ²), t with k − 1 = 12 df."""
    tp, tn, cp, cn = BCG.T
    y = np.log((tp / (tp + tn)) / (cp / (cp + cn)))
    v = 1 / tp - 1 / (tp + tn) + 1 / cp - 1 / (cp + cn)
    pooled = pool_deltas(y, v)
    assert pooled.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert pooled.i2 == pytest.approx(0.9212, abs=5e-5)
    assert pooled.delta == pytest.approx(-0.7141, abs=5e-5)
    w = 1 / (v + pooled.tau2)
    assert np.sqrt(1 / w.sum()) == pytest.approx(0.1787, abs=5e-5)  # the DL (z) standard error
    hk = np.sqrt((w * (y - pooled.delta) ** 2).sum() / (12 * w.sum()))
    assert pooled.se == pytest.approx(hk) and pooled.df == 12
    half = stats.t.ppf(0.975, 12) * hk
    assert (pooled.lo, pooled.hi) == pytest.approx((pooled.delta - half, pooled.delta + half))


def test_pooled_verdict_uses_the_same_margin() -> None:
    frame = pd.DataFrame({
        "route": ["gain"] * 3 + ["flat"] * 3,
        "delta_auc": [0.031, 0.028, 0.034, 0.001, -0.002, 0.0005],
        "delta_auc_se": [0.002, 0.002, 0.002, 0.0015, 0.0015, 0.0015],
        "verdict": ["better"] * 3 + ["equivalent"] * 3,
    })
    out = pooled_routes(frame, margin=0.01).set_index("route")
    assert out.loc["gain", "verdict"] == BETTER and not out.loc["gain", "negligible"]
    assert out.loc["flat", "verdict"] == EQUIVALENT and out.loc["flat", "p_ceiling_auc"] < 0.05
    assert out.loc["gain", "k_strata"] == 3


def test_ranking_matches_autorank() -> None:
    autorank = pytest.importorskip("autorank")
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(rng.normal(size=(6, 4)) * 0.01 + np.array([0.80, 0.81, 0.83, 0.79]),
                          columns=["base", "a", "b", "c"])
    mine = rank_variants(scores)
    ref = autorank.autorank(scores, alpha=0.05, verbose=False, force_mode="nonparametric", order="descending")
    assert mine.critical_difference == pytest.approx(ref.cd, rel=1e-4)  # autorank: a tabulated q
    assert mine.friedman_p == pytest.approx(ref.pvalue)
    for name, rank in mine.mean_ranks.items():
        assert rank == pytest.approx(ref.rankdf.loc[name, "meanrank"])


def _multi_data_sweep(root, gains: dict[str, float], key: str = "name"):
    """One sweep over two data sets (``data=`` as a sweep axis; or ``data.<key>=``, e.g. the split kind):
    head=two_layer gains ``gains[value]``."""
    import json

    from .runrecords import BASE_CONFIG, HEADS, synthetic_labels, synthetic_probs, write_multirun, write_run

    sweep = root / "outputs" / "sweeps" / "head" / "multi"
    axis = "data" if key == "name" else f"data.{key}"
    write_multirun(sweep, ["sweep=head", "head=default,two_layer", "seed=0,1,2", f"{axis}={','.join(gains)}"])
    for i, (name, gain) in enumerate(gains.items()):
        y = synthetic_labels(400, seed=7 + i)
        for head, effect in (("default", 1.2), ("two_layer", 1.2 + gain)):
            cfg = json.loads(json.dumps(BASE_CONFIG))
            cfg["head"] = HEADS[head]
            cfg["data"][key] = name
            for s in range(3):
                write_run(sweep, ["sweep=head", f"head={head}", f"seed={s}", f"{axis}={name}"], seed=s,
                          test_probs=synthetic_probs(y, effect, seed=100 * s + len(head) + i, shared_noise_seed=11 + i),
                          test_labels=y, test_ids=[f"{name}{j:04d}" for j in range(y.size)], config=cfg)
    return sweep


def test_a_sweep_over_two_data_sets_gives_per_stratum_and_pooled_verdicts(tmp_path) -> None:
    from protsweep.aggregate import build_report, report_markdown

    sweep = _multi_data_sweep(tmp_path, {"amp_modlamp": 1.5, "hemolysis": 1.5})
    rep = build_report([sweep], n_boot=200)
    assert sorted(rep.routes["stratum"]) == ["data.name=amp_modlamp", "data.name=hemolysis"]
    assert (rep.routes["verdict"] == BETTER).all()
    assert rep.pooled is not None and len(rep.pooled) == 1
    pooled = rep.pooled.iloc[0]
    assert pooled["k_strata"] == 2 and pooled["route"] == "head: head=two_layer"
    ref = pool_deltas(rep.routes["delta_auc"], rep.routes["delta_auc_se"] ** 2)
    assert pooled["delta_auc"] == pytest.approx(ref.delta) and pooled["tau2"] == pytest.approx(ref.tau2)
    md = report_markdown(rep)
    assert "## Across data sets and splits" in md and "Hartung–Knapp" in md
    side = md.split("## Across data sets and splits")[1]
    assert "| data.name=amp_modlamp" in side and "| data.name=hemolysis" in side.split("\n\n")[2]
    assert list(rep.ranking.mean_ranks.index) == ["head=two_layer", "head=default"]
    assert f"- **Pooled across data sets and splits** (random effects, Hartung–Knapp): head: head=two_layer: " \
        f"{pooled['verdict']}" in md


def test_routes_on_both_split_kinds_side_by_side(tmp_path) -> None:
    """Issue 26 point 4: ``data.split_by=sequence,cluster`` as a sweep axis gives two strata, two verdicts."""
    from protsweep.aggregate import build_report, report_markdown

    sweep = _multi_data_sweep(tmp_path, {"sequence": 1.5, "cluster": 0.0}, key="split_by")
    rep = build_report([sweep], n_boot=200)
    by = dict(zip(rep.routes["stratum"], rep.routes["verdict"], strict=True))
    assert by["data.split_by=sequence"] == BETTER and by["data.split_by=cluster"] != BETTER
    table = report_markdown(rep).split("## Across data sets and splits")[1]
    header = next(line for line in table.splitlines() if line.startswith("| route"))
    assert "data.split_by=sequence" in header and "data.split_by=cluster" in header


def test_protsweep_aggregate_on_a_two_data_set_sweep_writes_each_stratum_and_the_pooled_report(tmp_path,
                                                                                            capsys) -> None:
    """Before: 'test sets differ' and no tables; now one results folder per stratum plus report/ (pooled)."""
    from protsweep.aggregate.cli import aggregate_main
    from protsweep.aggregate.stratified import stratum_folder

    sweep = _multi_data_sweep(tmp_path, {"amp_modlamp": 1.5, "hemolysis": 0.0})
    assert aggregate_main([str(sweep), "--n-boot", "200", "--no-plots"]) == 0
    printed = capsys.readouterr().out
    results = sweep / "results"
    folders = sorted(p.name for p in results.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert folders == sorted(["report", stratum_folder("head [data.name=amp_modlamp]"),
                              stratum_folder("head [data.name=hemolysis]")])
    for name in ("amp_modlamp", "hemolysis"):
        per_run = pd.read_csv(results / stratum_folder(f"head [data.name={name}]") / "per_run.csv")
        assert len(per_run) == 6  # 2 variants x 3 seeds of this data set only
    routes = pd.read_csv(results / "report" / "routes.csv")
    by = dict(zip(routes["stratum"], routes["verdict"], strict=True))
    assert by["data.name=amp_modlamp"] == BETTER and by["data.name=hemolysis"] != BETTER
    assert "Pooled across data sets and splits" in printed and "## head [data.name=hemolysis]" in printed

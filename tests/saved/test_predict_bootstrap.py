"""issue 25: protsweep-predict's ensemble interval equals the aggregator's for the same model and test set
(one bootstrap), its Monte-Carlo error is printed, and degenerate members are warned about."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from protsweep.aggregate.api import aggregate
from protsweep.aggregate.mc_error import percentile_ci_mc_error
from protsweep.predict_cli import degenerate_warnings, metric_lines

from ..aggregate.runrecords import make_head_sweep


def _interval(line: str, metric: str) -> tuple[float, float]:
    cell = line.split(f"{metric} ")[1]
    lo, hi = cell.split("[")[1].split("]")[0].split(",")
    return float(lo), float(hi)


def test_predict_and_the_aggregator_give_one_interval(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6, "two_layer": 2.2}, seeds=[0, 1, 2])
    summary = aggregate([sweep], n_boot=400).summary.set_index("variant")
    tests = []
    for run in sorted(sweep.glob("head=two_layer*")):  # predictions.csv rows are shuffled: file order differs
        frame = pd.read_csv(run / "predictions.csv", dtype={"id": str})
        tests.append(frame[frame["split"] == "test"].reset_index(drop=True))
    order = tests[0]["id"]
    probs = np.mean([t.set_index("id").loc[order, "prob"].to_numpy() for t in tests], axis=0)
    labels = tests[0]["label"].to_numpy(dtype=int)
    assert list(order) != sorted(order)  # not already in the aggregator's order
    lines = metric_lines({"ensemble of 3": probs}, labels, 400, ids=order.to_numpy())
    row = summary.loc["head=two_layer"]
    for metric, col in (("AUC", "auc"), ("AUPRC", "auprc")):
        lo, hi = _interval(lines[1], metric)
        assert (lo, hi) == (round(row[f"ens_{col}_lo"], 4), round(row[f"ens_{col}_hi"], 4))
    assert lines[-1].startswith("Monte-Carlo error of the interval ends")


def test_monte_carlo_error_shrinks_with_more_resamples() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=400), rng.normal(size=40000)
    assert percentile_ci_mc_error(large) < percentile_ci_mc_error(small) / 5  # about √100 = 10 times smaller
    assert np.isnan(percentile_ci_mc_error(rng.normal(size=30)))


def test_degenerate_members_are_named_and_a_constant_ensemble_gets_no_interval() -> None:
    varied, constant = np.linspace(0, 1, 50), np.full(50, 0.257)
    warnings = degenerate_warnings({0: varied, 3: constant}, {0: Path("r0"), 3: Path("r3")})
    assert len(warnings) == 1 and "seed 3 (r3)" in warnings[0] and "degenerate" in warnings[0]
    labels = np.r_[np.ones(20, int), np.zeros(30, int)]
    lines = metric_lines({"ensemble of 1": constant}, labels, 100)
    assert "degenerate (constant predictions)" in lines[1] and "[0.5000, 0.5000]" not in "\n".join(lines)

"""issue 25, points 4 and 11: Brier and ECE (mean ± sd over seeds, and of the ensemble) in the summary table;
the reliability diagram (seeds thin, ensemble thick, raw and calibrated) in the report; the bootstrap's
Monte-Carlo error beside the aggregator's intervals. Every number is checked against a computation written
out here (sklearn's brier_score_loss, an equal-width ECE, a bootstrap of our own over several seeds)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import brier_score_loss, roc_auc_score

from protsweep.aggregate import aggregate, build_report, output
from protsweep.aggregate.calibration_table import N_BINS
from protsweep.aggregate.output import write_report
from protsweep.aggregate.report_render import figure_names

from .runrecords import ece_written_out, make_head_sweep

SQUEEZED = "two_layer"  # the variant whose calibrator pulled the probabilities towards 0.3



def _calibrated_sweep(root: Path) -> tuple[Path, dict[str, list[pd.DataFrame]]]:
    sweep = make_head_sweep(root, effects={"default": 1.6, "two_layer": 2.2}, seeds=[0, 1, 2])
    tests: dict[str, list[pd.DataFrame]] = {}
    for pred in sorted(sweep.glob("*/predictions.csv")):
        frame = pd.read_csv(pred, dtype={"id": str})
        frame["prob_raw"] = frame["prob"]
        if SQUEEZED in pred.parent.name:
            frame["prob"] = 0.3 + 0.4 * (frame["prob_raw"] - 0.5)
        frame.to_csv(pred, index=False)
        variant = f"head={SQUEEZED}" if SQUEEZED in pred.parent.name else "head=default"
        tests.setdefault(variant, []).append(frame[frame["split"] == "test"].sort_values("id"))
    return sweep, tests


def test_summary_table_carries_brier_and_ece_of_seeds_and_ensemble(tmp_path: Path) -> None:
    sweep, tests = _calibrated_sweep(tmp_path)
    res = aggregate([sweep], n_boot=100)
    out = output.write_results(res, tmp_path / "results")
    csv = pd.read_csv(out / "summary.csv").set_index("variant")
    md = (out / "summary.md").read_text()
    section = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    table = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("|")]
    header, cells = table[0], {row[0].split(" ")[0]: dict(zip(table[0], row, strict=True)) for row in table[2:]}
    assert {"Brier mean ± sd", "Brier ens.", "ECE mean ± sd", "ECE ens."} <= set(header)
    for variant, runs in tests.items():
        y = runs[0]["label"].to_numpy()
        briers = [brier_score_loss(t["label"], t["prob"]) for t in runs]
        eces = [ece_written_out(t["label"].to_numpy(), t["prob"].to_numpy(), N_BINS) for t in runs]
        ens = np.mean([t["prob"].to_numpy() for t in runs], axis=0)
        expected = {
            "brier_mean": np.mean(briers), "brier_sd": np.std(briers, ddof=1), "ens_brier": brier_score_loss(y, ens),
            "ece_mean": np.mean(eces), "ece_sd": np.std(eces, ddof=1), "ens_ece": ece_written_out(y, ens, N_BINS),
        }
        for column, value in expected.items():
            assert csv.loc[variant, column] == pytest.approx(value, abs=1e-12), (variant, column)
        row = cells[variant]
        assert row["Brier mean ± sd"] == f"{expected['brier_mean']:.4f} ± {expected['brier_sd']:.4f}"
        assert row["ECE mean ± sd"] == f"{expected['ece_mean']:.4f} ± {expected['ece_sd']:.4f}"
        assert (row["Brier ens."], row["ECE ens."]) == (f"{expected['ens_brier']:.4f}", f"{expected['ens_ece']:.4f}")
    # the summary carries the calibrated `prob` (calibration.csv keeps the raw figures beside them)
    raw = pd.read_csv(out / "calibration.csv").set_index("variant").loc[f"head={SQUEEZED}"]
    assert abs(csv.loc[f"head={SQUEEZED}", "ece_mean"] - raw["ece_raw_mean"]) > 0.05


def test_reliability_diagram_shows_seeds_and_ensemble_raw_and_calibrated_and_is_in_the_report(
    tmp_path: Path, captured: dict[str, Figure]
) -> None:
    sweep, tests = _calibrated_sweep(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report_dir = write_report(build_report([sweep], n_boot=100), tmp_path / "report")
    name = next(iter(build_report([sweep], n_boot=100).sweeps))[0]
    reliability_png = figure_names(name)[3]
    assert (report_dir / reliability_png).is_file()
    assert f"]({reliability_png})" in (report_dir / "report.md").read_text()
    fig = captured[reliability_png]
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    roc_colours = {line.get_label().split(":")[0].removesuffix(" (baseline)"): line.get_color()
                   for line in captured[figure_names(name)[1]].axes[0].get_lines()
                   if not line.get_label().startswith("_")}
    for title, ax in panels.items():
        variant = title.removesuffix(" (baseline)")
        kinds = ("raw", "calibrated") if SQUEEZED in variant else ("raw",)
        lines = [ln for ln in ax.get_lines() if ln.get_color() != "0.6"]  # not the diagonal
        thick = [ln for ln in lines if ln.get_linewidth() > 2]
        thin = [ln for ln in lines if ln.get_linewidth() < 1]
        assert len(thick) == len(kinds) and len(thin) == len(kinds) * len(tests[variant])
        assert {ln.get_color() for ln in lines} == {roc_colours[variant]}
        assert {ln.get_linestyle() for ln in thick} == ({"--", "-"} if len(kinds) == 2 else {"--"})
        # the calibrated ensemble's points are sklearn's calibration_curve of the mean calibrated prob
        runs = tests[variant]
        column = "prob" if len(kinds) == 2 else "prob_raw"
        ens = np.mean([t[column].to_numpy() for t in runs], axis=0)
        y = runs[0]["label"].to_numpy()
        edges = np.linspace(0, 1, N_BINS + 1)
        bins = np.clip(np.digitize(ens, edges[1:-1]), 0, N_BINS - 1)
        observed = [y[bins == b].mean() for b in range(N_BINS) if (bins == b).any()]
        last = thick[-1]
        assert np.allclose(last.get_ydata(), observed)


def _own_bootstrap_ends(y: np.ndarray, p: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """A stratified percentile bootstrap written out here: positives and negatives resampled apart."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    aucs = []
    for _ in range(n_boot):
        idx = np.r_[rng.choice(pos, pos.size), rng.choice(neg, neg.size)]
        aucs.append(roc_auc_score(y[idx], p[idx]))
    lo, hi = np.percentile(aucs, [2.5, 97.5])
    return float(lo), float(hi)


def test_monte_carlo_error_of_the_interval_ends_matches_their_spread_over_bootstrap_seeds(tmp_path: Path) -> None:
    sweep, tests = _calibrated_sweep(tmp_path)
    n_boot = 400
    res = aggregate([sweep], n_boot=n_boot)
    runs = tests["head=default"]
    y = runs[0]["label"].to_numpy()
    ens = np.mean([t["prob_raw"].to_numpy() for t in runs], axis=0)
    ends = np.array([_own_bootstrap_ends(y, ens, n_boot, seed) for seed in range(12)])
    spread = float(ends.std(axis=0, ddof=1).max())  # how far the ends move with another set of resamples
    reported = float(res.summary.set_index("variant").loc["head=default", "ens_auc_mc"])
    assert 0.4 * spread < reported < 2.5 * spread, (reported, spread)
    # the comparisons carry the ensemble Δ interval's error too, and summary.md prints the largest of all
    assert np.isfinite(res.comparisons["ens_delta_auc_mc"]).all()
    worst = max(res.summary[["ens_auc_mc", "ens_auprc_mc"]].to_numpy().max(),
                res.comparisons[["ens_delta_auc_mc", "ens_delta_auprc_mc"]].to_numpy().max())
    md = (output.write_results(res, tmp_path / "results", plots=False) / "summary.md").read_text()
    line = f"Monte-Carlo error of the interval ends (another {n_boot} resamples): up to ±{worst:.4f}"
    assert line + "; raise --n-boot to shrink it" in md.split("## Summary", 1)[1].split("\n## ", 1)[0]

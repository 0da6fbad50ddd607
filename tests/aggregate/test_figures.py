"""issue 25: figures a paper can print — a palette distinct at 1, 12 and 24 variants, one colour per variant
in every figure, AUC/AUPRC with intervals in the ROC/PR legend, training curves by stage with loss kinds apart."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from sklearn.metrics import brier_score_loss

from protsweep.aggregate import output, plots, reliability_plot, training_plot
from protsweep.aggregate.api import aggregate
from protsweep.aggregate.calibration_table import Ensemble
from protsweep.aggregate.delta_forest import delta_forest_plot
from protsweep.aggregate.history import LOSS_KIND
from protsweep.aggregate.palette import variant_styles

from .runrecords import ece_written_out, make_head_sweep


def _labels(n: int) -> list[str]:
    return ["base"] + [f"head=variant_{i:02d}" for i in range(1, n)]


@pytest.mark.parametrize("n", [1, 12, 24])
def test_palette_is_distinct(n: int) -> None:
    styles = variant_styles(_labels(n), "base")
    assert styles["base"]["color"] == "black"
    others = [s for label, s in styles.items() if label != "base"]
    assert len({(s["color"], s["ls"]) for s in others}) == len(others)  # no two variants drawn alike
    colours = sorted({s["color"] for s in others})
    for a, b in itertools.combinations(colours, 2):  # independent check: CIE76 distance in Lab, not just names
        assert _delta_e(a, b) > 25, (a, b)
    for c in colours:  # far from white (invisible) and from black (the baseline)
        assert _delta_e(c, "white") > 40 and _delta_e(c, "black") > 40, c


def _lab(colour: str) -> np.ndarray:
    """sRGB -> CIE L*a*b* (D65), written out here so the test does not lean on the code under test."""
    rgb = np.array(to_rgb(colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a: str, b: str) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _synthetic_inputs(n: int, rng: np.random.Generator) -> tuple[dict, dict, pd.DataFrame]:
    curves, histories, rows = {}, {}, []
    for i, label in enumerate(_labels(n)):
        y = np.r_[np.ones(40, np.int8), np.zeros(160, np.int8)]
        curves[label] = (y, rng.normal(y * (0.5 + 0.05 * i), 1.0))
        parts = []
        for seed in range(2):
            epochs = 3 + seed  # seeds stop at different epochs of the first stage
            parts.append(pd.DataFrame({
                "stage": ["frozen"] * epochs + ["full"] * 2, "epoch": [*range(1, epochs + 1), 1, 2],
                "loss": rng.uniform(0.05, 0.15 if i % 2 else 0.8, epochs + 2), "val_loss": 0.5, "val_auc": 0.7,
                "lr": 1e-3, "seed": seed, "step": range(1, epochs + 3), LOSS_KIND: "focal" if i % 2 else "bce",
            }))
        histories[label] = pd.concat(parts, ignore_index=True)
        rows.append({"variant": label, "ens_auc": 0.7 + 0.001 * i, "ens_auc_lo": 0.65, "ens_auc_hi": 0.75,
                     "ens_auprc": 0.4, "ens_auprc_lo": 0.3, "ens_auprc_hi": 0.5})
    return curves, histories, pd.DataFrame(rows)


def _reliability_inputs(curves: dict) -> dict[str, Ensemble]:
    """Two seeds per variant; every other variant with a calibrator that squeezed its probabilities."""
    out = {}
    for i, (label, (y, score)) in enumerate(curves.items()):
        seeds_raw = [1 / (1 + np.exp(-(score + shift))) for shift in (-0.2, 0.2)]
        seeds_cal = [0.2 + 0.6 * p for p in seeds_raw] if i % 2 else seeds_raw
        out[label] = Ensemble(y, np.mean(seeds_raw, axis=0), np.mean(seeds_cal, axis=0), bool(i % 2),
                              seeds_raw, seeds_cal)
    return out


@pytest.mark.parametrize("n", [1, 12, 24])
def test_figures_at_1_12_24_variants_without_warnings(n: int, tmp_path: Path, captured: dict[str, Figure]) -> None:
    curves, histories, summary = _synthetic_inputs(n, np.random.default_rng(n))
    styles = variant_styles(summary["variant"], "base")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.roc_pr_plot(curves, "base", 0.2, "t", tmp_path / "roc_pr.png", styles,
                          plots.ensemble_legend_stats(summary))
        training_plot.training_curves_plot(histories, "base", "t", tmp_path / "training.png", styles)
        reliability_plot.reliability_plot(_reliability_inputs(curves), "base", "t", tmp_path / "calibration.png",
                                          styles)
    panels = [ax for ax in captured["calibration.png"].axes if ax.get_visible()]
    assert len(panels) == n and panels[0].get_title() == "base (baseline)"
    legend = [t.get_text() for t in captured["roc_pr.png"].legends[0].get_texts()]
    assert len(legend) == n and legend[0].startswith("base (baseline): AUC 0.700 [0.650, 0.750] · AUPRC 0.400")
    titles = [ax.get_title() for ax in captured["training.png"].axes]
    if n > 1:  # focal and BCE variants: every loss panel holds one kind only, and says which
        assert "training loss — bce loss only" in titles and "training loss — focal loss only" in titles
        focal = captured["training.png"].axes[titles.index("training loss — focal loss only")]
        assert {line.get_label() for line in focal.get_lines() if not line.get_label().startswith("_")} == {
            label for i, label in enumerate(_labels(n)) if i % 2
        }


def test_a_single_epoch_sweep_draws_its_training_curves_without_warnings(
    tmp_path: Path, captured: dict[str, Figure]
) -> None:
    """``trainer.epochs_frozen=1 trainer.epochs_full=0``: one point per variant. The stage label sat outside
    the autoscaled axis and constrained layout gave up ("axes sizes collapsed to zero")."""
    h = pd.DataFrame({"stage": "frozen", "epoch": 1, "step": 1, "seed": [0, 1], "loss": [0.70, 0.72],
                      "val_loss": [0.69, 0.70], "val_auc": [0.50, 0.55]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        training_plot.training_curves_plot({"base": h, "head=x": h}, "base", "t", tmp_path / "training.png")
    for ax in captured["training.png"].axes:
        lo, hi = ax.get_xlim()
        assert lo < 1 < hi and all(lo < t.get_position()[0] < hi for t in ax.texts)  # the point and "frozen"


def test_stages_are_averaged_apart_and_drawn_in_order() -> None:
    """Seed 0 stops its first stage at epoch 3, seed 1 at 4: the full stage's first epoch is one point
    (both seeds) after the longest first stage, never averaged with seed 1's fourth frozen epoch."""
    h = pd.DataFrame({
        "stage": ["frozen"] * 3 + ["full"] * 2 + ["frozen"] * 4 + ["full"] * 2,
        "epoch": [1, 2, 3, 1, 2, 1, 2, 3, 4, 1, 2], "seed": [0] * 5 + [1] * 6,
        "val_auc": [0.1, 0.2, 0.3, 0.9, 0.95, 0.1, 0.2, 0.3, 0.4, 0.7, 0.75],
    }).assign(step=lambda f: f.groupby("seed").cumcount() + 1)
    st = training_plot.curve_stats(h, "val_auc").set_index("step")
    assert list(st.index) == [1, 2, 3, 4, 5, 6]
    assert st.loc[4, "mean"] == pytest.approx(0.4) and st.loc[4, "count"] == 1  # frozen epoch 4, seed 1 alone
    assert st.loc[5, "mean"] == pytest.approx(0.8) and st.loc[5, "count"] == 2  # full epoch 1 of both seeds


def test_one_colour_per_variant_in_every_figure_of_a_sweep(tmp_path: Path, captured: dict[str, Figure]) -> None:
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6, "two_layer": 2.0, "wide": 2.4}, seeds=[0, 1])
    for run_json in sweep.glob("*/run.json"):
        pd.DataFrame({"stage": ["frozen", "full"], "epoch": [1, 1], "loss": [0.7, 0.6], "val_loss": [0.7, 0.6],
                      "val_auc": [0.6, 0.7], "lr": 1e-3}).to_csv(run_json.parent / "history.csv", index=False)
        assert json.loads(run_json.read_text())["status"] == "completed"
    res = aggregate([sweep], n_boot=100)
    output.write_results(res, tmp_path / "results")

    def colours(fig: Figure) -> dict[str, str]:
        return {line.get_label().split(":")[0].removesuffix(" (baseline)"): line.get_color()
                for ax in fig.axes for line in ax.get_lines() if not line.get_label().startswith("_")}

    roc, training = colours(captured["roc_pr.png"]), colours(captured["training_curves.png"])
    assert set(roc) == {"head=default", "head=two_layer", "head=wide"} and roc == training
    assert len(set(roc.values())) == 3 and roc["head=default"] == "black"


def _routes(rows: list[tuple]) -> pd.DataFrame:
    cols = ["route", "verdict", "delta_auc", "delta_auc_lo", "delta_auc_hi", "ens_delta_auc", "ens_delta_auc_lo",
            "ens_delta_auc_hi", "n_degenerate"]
    return pd.DataFrame(rows, columns=cols).assign(negligible=False, collapsed=lambda f: f["n_degenerate"] > 0)


def test_delta_forest_zooms_to_the_data_and_margin_and_marks_verdicts(
    tmp_path: Path, captured: dict[str, Figure]
) -> None:
    """The issue's figure ran over [−1, 1]: a collapsed route's ensemble Δ (−0.45) set the axis, and the
    ±0.01 band vanished. Now the counted routes and the margin set it; the outlier is clipped with an arrow."""
    routes = _routes([
        ("a: x=1", "better", 0.03, 0.02, 0.04, 0.031, 0.015, 0.05, 0),
        ("a: x=2", "equivalent", 0.001, -0.004, 0.006, 0.0, -0.005, 0.005, 0),
        ("a: x=3", "undecided", -0.45, -0.9, 0.0, -0.45, -0.6, -0.3, 3),  # collapsed
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        delta_forest_plot(routes, tmp_path / "delta_forest.png", "t", margin=0.01)
    ax = captured["delta_forest.png"].axes[0]
    lo, hi = ax.get_xlim()
    assert -0.06 < lo < -0.01 and 0.04 < hi < 0.08  # zoomed: the margin band is a visible share of the axis
    assert 0.02 / (hi - lo) > 0.15
    texts = {t.get_text() for t in ax.texts}
    assert {"better", "equivalent", "degenerate"} <= texts
    arrows = [line for line in ax.get_lines() if line.get_marker() == "<"]
    assert arrows and all(line.get_xdata()[0] == pytest.approx(lo) for line in arrows)



def test_calibration_table_and_reliability_diagram(tmp_path: Path, captured: dict[str, Figure]) -> None:
    """Brier and ECE, mean ± sd over seeds and of the ensemble, reach summary.md and calibration.csv; the
    reliability diagram shows raw and calibrated curves where a calibrator changed the probabilities."""
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6, "two_layer": 2.2}, seeds=[0, 1, 2])
    by_variant: dict[str, list[pd.DataFrame]] = {}
    for pred in sorted(sweep.glob("*/predictions.csv")):
        frame = pd.read_csv(pred, dtype={"id": str})
        frame["prob_raw"] = frame["prob"]
        if "two_layer" in pred.parent.name:  # a calibrator squeezed these towards 0.3
            frame["prob"] = 0.3 + 0.4 * (frame["prob_raw"] - 0.5)
        frame.to_csv(pred, index=False)
        test = frame[frame["split"] == "test"].sort_values("id")
        by_variant.setdefault("head=two_layer" if "two_layer" in pred.parent.name else "head=default", []).append(test)
    res = aggregate([sweep], n_boot=100)
    out = output.write_results(res, tmp_path / "results")
    table = pd.read_csv(out / "calibration.csv").set_index("variant")
    for variant, tests in by_variant.items():
        y = tests[0]["label"].to_numpy()
        briers = [brier_score_loss(t["label"], t["prob"]) for t in tests]
        eces = [ece_written_out(t["label"].to_numpy(), t["prob"].to_numpy()) for t in tests]
        ens = np.mean([t["prob"].to_numpy() for t in tests], axis=0)
        assert table.loc[variant, "brier_mean"] == pytest.approx(np.mean(briers))
        assert table.loc[variant, "brier_sd"] == pytest.approx(np.std(briers, ddof=1))
        assert table.loc[variant, "ece_mean"] == pytest.approx(np.mean(eces))
        assert table.loc[variant, "ens_brier"] == pytest.approx(brier_score_loss(y, ens))
        assert table.loc[variant, "ens_ece"] == pytest.approx(ece_written_out(y, ens))
    assert bool(table.loc["head=two_layer", "calibrated"]) and not bool(table.loc["head=default", "calibrated"])
    md = (out / "summary.md").read_text()
    assert "## Calibration" in md and f"{table.loc['head=default', 'brier_mean']:.4f} ± " in md
    fig = captured["calibration.png"]
    lines = {ax.get_title(): [ln.get_label() for ln in ax.get_lines()] for ax in fig.axes if ax.get_visible()}
    assert "ensemble, calibrated (prob)" in lines["head=two_layer"]
    assert "ensemble, calibrated (prob)" not in lines["head=default (baseline)"]

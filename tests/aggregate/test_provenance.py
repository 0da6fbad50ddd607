"""Issue 9: references belong to a dataset (and take a target), provenance in every table, best on
validation AUC; issue 14: training curves from history.csv; the writer's degenerate flag."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.aggregate import aggregate, build_report, console_summary, report_markdown, write_results
from protsweep.aggregate.callback import AggregateOnMultirunEnd
from protsweep.aggregate.output import write_report
from protsweep.aggregate.provenance import RANDOM_INIT, backbone_init
from protsweep.aggregate.reference import effective_reference
from protsweep.aggregate.render import summary_latex, summary_markdown, titled
from protsweep.aggregate.training_plot import curve_stats
from protsweep.calibration.calibrators import Identity
from protsweep.record.outputs import write_outputs
from protsweep.record.writer import RunRecord

from ..conftest import compose_config
from .runrecords import make_head_sweep

HEMOLYSIS_REF = {
    "label": "Exp5 / Exp8",
    "dataset": "hemolysis",
    "auc_mean": 0.8809,
    "ensemble_auc": 0.8959,
    "ensemble_ci": [0.871, 0.918],
    "target": 0.952,
}


def test_reference_target_accepted_and_merged_over_the_data_reference() -> None:
    cfg = compose_config("data=hemolysis", "reference.target=0.96")
    plain = OmegaConf.to_container(cfg, resolve=False)
    assert cfg.data.reference.dataset == "hemolysis" and cfg.data.reference.target == pytest.approx(0.952)
    ref = effective_reference([plain])
    assert ref is not None and ref["target"] == pytest.approx(0.96) and ref["auc_mean"] == pytest.approx(0.8809)
    assert compose_config("reference.target=0.952").reference.target == pytest.approx(0.952)
    # the root config no longer carries the hemolysis numbers: another dataset has no reference
    assert effective_reference([OmegaConf.to_container(compose_config(), resolve=False)]) is None


def test_report_prints_target_gap_ci_and_warns_on_another_dataset(tmp_path: Path) -> None:
    data = {"name": "amp_modlamp", "reference": HEMOLYSIS_REF}
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2], config_update={"reference": {}, "data": data})
    rep = build_report([sweep], n_boot=200)
    md = report_markdown(rep)
    best = rep.best
    assert best is not None
    assert f"Target AUC 0.9520; gap from the best measured configuration: {0.952 - best['auc_mean']:+.4f}" in md
    assert "0.8959 [0.8710, 0.9180]" in md
    assert "are for dataset 'hemolysis', but these runs use amp_modlamp" in md


def test_random_init_runs_are_flagged_everywhere(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1], info_extra={"pretrained": "random (auto: no dump at x.pkl)"})
    res = aggregate([sweep], n_boot=100)
    assert res.provenance is not None and res.provenance.random_init
    assert any("RANDOM-INIT" in w for w in res.warnings)
    for text in (console_summary(res), summary_markdown(res), summary_latex(res), titled(res)):
        assert "random-init" in text and ("amp_modlamp" in text or "amp\\_modlamp" in text)
    rep = build_report([sweep], n_boot=100)
    md = report_markdown(rep)
    assert "random-init backbone · data: amp_modlamp" in md and "RANDOM-INIT backbone" in md


def test_backbone_init_words() -> None:
    assert backbone_init("random (auto: no dump)") == RANDOM_INIT == backbone_init(False) == backbone_init("random")
    assert backbone_init("loaded /x/default.pkl") == "pretrained" == backbone_init(True)


def test_best_is_chosen_on_validation_auc(tmp_path: Path) -> None:
    """two_layer wins on test, default on validation: validation decides, test figures reported after."""
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2], valid_effects={"default": 0.6, "two_layer": 0.0})
    res = aggregate([sweep], n_boot=100)
    s = res.summary.set_index("variant")
    per = res.per_run[res.per_run["used"]].groupby("variant")["valid_auc"].mean()
    assert s["valid_auc_mean"].to_dict() == pytest.approx(per.to_dict())
    assert s.loc["head=two_layer", "auc_mean"] > s.loc["head=default", "auc_mean"]
    assert bool(s.loc["head=default", "best"]) and s["best"].sum() == 1
    md = report_markdown(build_report([sweep], n_boot=100))
    assert "chosen on seed-mean validation AUC" in md and "Its test figures, reported after the choice" in md


def _write_histories(sweep: Path) -> dict[str, list[np.ndarray]]:
    written: dict[str, list[np.ndarray]] = {}
    for run_json in sorted(sweep.glob("*/run.json")):
        run = run_json.parent
        seed = json.loads(run_json.read_text())["seed"]
        val_auc = 0.6 + 0.05 * np.arange(4) + 0.01 * seed
        pd.DataFrame(
            {
                "stage": ["frozen", "frozen", "full", "full"],
                "epoch": [1, 2, 1, 2],
                "loss": 0.7 - 0.1 * np.arange(4),
                "val_loss": 0.8 - 0.05 * np.arange(4),
                "val_auc": val_auc,
                "lr": [1e-3] * 4,
            }
        ).to_csv(run / "history.csv", index=False)
        written.setdefault(run.name.split(",")[0], []).append(val_auc)
    return written


def test_training_curves_mean_and_range_over_seeds(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2])
    written = _write_histories(sweep)
    res = aggregate([sweep], n_boot=100)
    st = curve_stats(res.histories["head=default"], "val_auc")
    expected = np.vstack(written["head=default"])
    assert st["mean"].to_numpy() == pytest.approx(expected.mean(axis=0))
    assert st["min"].to_numpy() == pytest.approx(expected.min(axis=0))
    assert st["max"].to_numpy() == pytest.approx(expected.max(axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = write_results(res, tmp_path / "results")
        report_out = write_report(build_report([sweep], n_boot=100), tmp_path / "report")
    assert (out / "training_curves.png").stat().st_size > 1000
    assert list(report_out.glob("training_*.png"))


def test_callback_reads_the_margin_from_the_report_node(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6, "wide": 1.6}, seeds=[0, 1, 2])
    cb = AggregateOnMultirunEnd(n_boot=100, plots=False)
    config = {"hydra": {"sweep": {"dir": str(sweep)}}, "report": {"margin_auc": 0.2}}
    cb.on_multirun_end(OmegaConf.create(config))
    comparisons = pd.read_csv(sweep / "results" / "comparisons.csv")
    assert list(comparisons["verdict"]) == ["equivalent"]
    assert "±0.2 AUC margin" in (sweep / "results" / "summary.md").read_text()


def test_writer_records_degenerate_splits(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    record.start(seed=0)
    y = np.r_[np.ones(10, int), np.zeros(10, int)]
    examples = {
        s: pd.DataFrame({"id": [f"{s}{i}" for i in range(20)], "sequence": "ACD", "label": y})
        for s in ("valid", "test")
    }
    scores = {"valid": np.linspace(0.1, 0.9, 20), "test": np.full(20, 0.5)}
    metrics = write_outputs(record, examples, scores, Identity())
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["degenerate"] == {"valid": False, "test": True} == metrics["degenerate"]

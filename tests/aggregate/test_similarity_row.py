"""The "sequence similarity alone" row, the leakage table and the conclusion's gap sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from protsweep.aggregate import aggregate, build_report, report_markdown, summary_markdown

from .runrecords import make_head_sweep, synthetic_labels

LEAKAGE = {"similarity": "normalised Levenshtein", "unit": "sequence", "thresholds": [0.7, 0.8, 0.9, 0.95],
           "test": {"n": 300, "ge_70": 0.75, "ge_80": 0.671, "ge_90": 0.447, "ge_95": 0.127},
           "valid": {"n": 20, "ge_70": 0.7, "ge_80": 0.6, "ge_90": 0.4, "ge_95": 0.1}}


def sweep_with_reference(tmp_path: Path) -> tuple[Path, float]:
    labels = synthetic_labels(300)
    sweep = make_head_sweep(tmp_path, seeds=range(3), labels=labels, info_extra={"leakage": LEAKAGE})
    scores = labels * 0.3 + np.random.default_rng(4).random(len(labels))
    reference = pd.DataFrame({"id": [f"t{i:05d}" for i in range(len(labels))], "label": labels, "score": scores})
    for job in sweep.iterdir():
        if (job / "run.json").exists() and "head=default" in job.name:
            reference.to_csv(job / "reference_predictions.csv", index=False)
    return sweep, float(roc_auc_score(labels, scores))


def test_reference_row_and_leakage_in_the_summary(tmp_path) -> None:
    sweep, auc = sweep_with_reference(tmp_path)
    results = aggregate([sweep], n_boot=200)
    ref = results.similarity
    assert ref is not None and abs(ref.auc - auc) < 1e-12 and ref.auc_lo < ref.auc < ref.auc_hi
    assert ref.n == 300 and ref.leakage["test"]["ge_80"] == 0.671
    text = summary_markdown(results)
    row = next(line for line in text.splitlines() if "sequence similarity alone (no training)" in line)
    assert f"{auc:.4f}" in row
    assert "| test | 75.0% | 67.1% | 44.7% | 12.7% |" in text


def test_conclusion_says_how_far_the_baseline_is_above_it(tmp_path) -> None:
    sweep, auc = sweep_with_reference(tmp_path)
    rep = build_report([sweep], n_boot=200)
    text = report_markdown(rep)
    base = rep.sweeps[0][1].summary.query("baseline").iloc[0]
    sentence = next(line for line in text.splitlines() if "above sequence similarity alone" in line)
    assert f"{base['ens_auc'] - auc:+.4f}" in sentence and "67.1%" in sentence


def test_no_reference_files_no_row(tmp_path) -> None:
    results = aggregate([make_head_sweep(tmp_path, seeds=range(3))], n_boot=100)
    assert results.similarity is None
    assert "sequence similarity alone" not in summary_markdown(results)

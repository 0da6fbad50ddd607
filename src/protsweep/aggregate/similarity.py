"""The "sequence similarity alone" row and the leakage figures of a sweep, beside its baseline.

Read from the baseline's jobs: each wrote ``reference_predictions.csv`` (the training-free
nearest-neighbour score on its test set, :mod:`protsweep.record.reference`) and a ``leakage`` section in
run.json. Every seed of one split shares the reference (it does not train), so rows are taken once per id;
with ``data.cv.folds`` the fold jobs' test sets join into the out-of-fold union. AUC and AUPRC carry a 95%
stratified bootstrap percentile interval, as the ensembles do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from protsweep.record.contract import (
    LEAKAGE_KEY,
    REFERENCE_PREDICTIONS_CSV,
    REFERENCE_SCORE_COLUMN,
)

from .bootstrap import StratifiedBootstrap, percentile_ci
from .formatting import fmt, fmt_signed, fmt_value_ci
from .records import LoadedRun

SIMILARITY_LABEL = "sequence similarity alone"
SHARE_KEYS = (("ge_70", "≥ 70%"), ("ge_80", "≥ 80%"), ("ge_90", "≥ 90%"), ("ge_95", "≥ 95%"))


@dataclass(frozen=True)
class SimilarityReference:
    """The reference's test AUC/AUPRC with intervals, and the test (valid) leakage shares."""

    n: int
    n_pos: int
    auc: float
    auc_lo: float
    auc_hi: float
    auprc: float
    auprc_lo: float
    auprc_hi: float
    leakage: dict[str, dict[str, float]] = field(default_factory=dict)  # split -> share key -> share


def _fold(rec: LoadedRun) -> int:
    cv = ((rec.config or {}).get("data") or {}).get("cv") or {}
    return int(cv.get("fold", 0) or 0)


def _leakage(runs: list[LoadedRun]) -> dict[str, dict[str, float]]:
    """Per held-out split, the shares over the distinct folds, weighted by their sizes."""
    by_fold = {_fold(r): r.info.get(LEAKAGE_KEY) for r in runs if isinstance(r.info.get(LEAKAGE_KEY), dict)}
    out: dict[str, dict[str, float]] = {}
    for split in ("test", "valid"):
        parts = [report[split] for report in by_fold.values() if isinstance(report.get(split), dict)]
        total = sum(int(p.get("n") or 0) for p in parts)
        if total:
            out[split] = {key: sum(float(p.get(key) or 0.0) * int(p.get("n") or 0) for p in parts) / total
                          for key, _ in SHARE_KEYS}
    return out


def similarity_reference(runs: Iterable[LoadedRun], n_boot: int, seed: int) -> SimilarityReference | None:
    """The baseline runs' reference, or None when none of them wrote one (older runs)."""
    runs = list(runs)
    frames = []
    runs = [job for rec in runs for job in (rec.fold_runs or (rec,))]  # an out-of-fold run: each fold's job
    for rec in runs:
        try:
            frames.append(pd.read_csv(rec.path / REFERENCE_PREDICTIONS_CSV, dtype={"id": str}))
        except (OSError, ValueError):
            continue
    if not frames:
        return None
    joined = pd.concat(frames, ignore_index=True).drop_duplicates("id").sort_values("id")
    labels = joined["label"].to_numpy().astype(int)
    if len(np.unique(labels)) < 2:
        return None
    scores = joined[REFERENCE_SCORE_COLUMN].to_numpy(dtype=float)
    boot = StratifiedBootstrap.create(labels, n_boot=n_boot, seed=seed)
    aucs, auprcs = boot.auc_auprc(scores)
    return SimilarityReference(
        n=len(labels),
        n_pos=int(labels.sum()),
        auc=float(roc_auc_score(labels, scores)),
        auc_lo=percentile_ci(aucs)[0],
        auc_hi=percentile_ci(aucs)[1],
        auprc=float(average_precision_score(labels, scores)),
        auprc_lo=percentile_ci(auprcs)[0],
        auprc_hi=percentile_ci(auprcs)[1],
        leakage=_leakage(runs),
    )


def with_similarity_row(frame: pd.DataFrame, ref: SimilarityReference | None) -> pd.DataFrame:
    """The summary display plus the reference row (in the test-set columns, beside the ensembles)."""
    if ref is None or frame.empty:
        return frame
    row: dict[str, Any] = dict.fromkeys(frame.columns, "")
    row.update({frame.columns[0]: f"{SIMILARITY_LABEL} (no training)", "seeds": "—"})
    row["ens. AUC [95% CI]"] = fmt_value_ci(ref.auc, ref.auc_lo, ref.auc_hi)
    row["ens. AUPRC [95% CI]"] = fmt_value_ci(ref.auprc, ref.auprc_lo, ref.auprc_hi)
    return pd.concat([frame, pd.DataFrame([row])[frame.columns]], ignore_index=True)


def leakage_lines(ref: SimilarityReference | None) -> list[str]:
    """A Markdown table: the share of held-out sequences with a training sequence at each similarity."""
    if ref is None or not ref.leakage:
        return []
    header = "| split | " + " | ".join(label for _, label in SHARE_KEYS) + " |"
    rule = "|---|" + "---:|" * len(SHARE_KEYS)
    rows = [f"| {split} | " + " | ".join(f"{100 * shares[key]:.1f}%" for key, _ in SHARE_KEYS) + " |"
            for split, shares in ref.leakage.items()]
    note = ("Leakage: share of held-out sequences whose most similar training sequence is at least this similar "
            "(normalised Levenshtein; pairs: their proteins). docs/splits.md.")
    return [note, "", header, rule, *rows, ""]


def baseline_gap_sentence(name: str, summary: pd.DataFrame, ref: SimilarityReference | None) -> str | None:
    """How far the baseline's test AUC is above sequence similarity alone."""
    if ref is None or summary.empty or "baseline" not in summary.columns:
        return None
    base = summary[summary["baseline"].astype(bool)]
    if base.empty:
        return None
    row = base.iloc[0]
    auc = row.get("ens_auc") if pd.notna(row.get("ens_auc")) else row.get("auc_mean")
    if auc is None or pd.isna(auc):
        return None
    gap = float(auc) - ref.auc
    leak = ref.leakage.get("test", {}).get("ge_80")
    leak_text = "" if leak is None else (
        f"; {100 * leak:.1f}% of its test sequences have a training sequence at ≥ 80% similarity"
    )
    return (
        f"In {name}, the baseline (test AUC {fmt(auc)}) is {fmt_signed(gap)} AUC above {SIMILARITY_LABEL} "
        f"(nearest-neighbour AUC {fmt_value_ci(ref.auc, ref.auc_lo, ref.auc_hi)}){leak_text}."
    )


def similarity_conclusion(sweeps: list[tuple[str, Any]]) -> list[str]:
    """The conclusion's sentences on how far each sweep's baseline is above sequence similarity alone."""
    found = (baseline_gap_sentence(name, res.summary, res.similarity) for name, res in sweeps)
    return [f"- {sentence}" for sentence in found if sentence]

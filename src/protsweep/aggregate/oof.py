"""Cross-validated sweeps: the K fold jobs of one (variant, seed) become one out-of-fold run.

A job with ``data.cv.folds = F > 0`` tests fold ``data.cv.fold`` of a K-fold partition seeded by
``data.split_seed`` alone, so the F fold jobs of one (variant, seed) together predict every example exactly
once. They are merged, before grouping, into one run whose test set is the union of the fold test sets
(``OutOfFold``: the fold of each example kept). Fold models differ in their score scales, so the scores are
replaced by their mid-rank within the fold (divided by the fold's size): pooled metrics, bootstrap intervals
and seed ensembles then compare like with like; the verdict's AUC is the fold-stratified AUC (within-fold
pairs only, ``uncertainty.fold_delta_auc``; docs/statistics.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from protsweep.keypolicy import FOLD_KEY, SEED_KEY

from .configkeys import flatten, variant_config
from .delong import structural_components
from .predictions import SplitPredictions
from .records import COMPLETED, INCOMPLETE, LoadedRun, display_path
from .strata import FOLDS_KEY


@dataclass(frozen=True)
class OutOfFold(SplitPredictions):
    """Out-of-fold test predictions over all examples (sorted by id), with each example's fold."""

    folds: NDArray[np.int64]
    fold_aucs: tuple[float, ...]  # each fold's own AUC (its model, its examples)

    @property
    def fingerprint(self) -> str:  # the same examples, labels *and* fold assignment to pair or ensemble
        return super().fingerprint + ":" + ",".join(map(str, self.folds.tolist()))

    def stratified_auc(self, probs: NDArray[np.float64] | None = None) -> float:
        """The Mann–Whitney AUC over positive–negative pairs within a fold (pair-weighted fold AUCs)."""
        return stratified_auc(self.labels, self.folds, self.probs if probs is None else probs)


def stratified_auc(labels: NDArray, folds: NDArray, probs: NDArray) -> float:
    total = weight = 0.0
    for f in np.unique(folds):
        sel = folds == f
        y = labels[sel]
        pairs = float((y == 1).sum() * (y == 0).sum())
        if pairs == 0:
            continue
        total += pairs * float(structural_components(y, probs[sel])[0][0])
        weight += pairs
    return total / weight if weight else float("nan")


def fold_setting(rec: LoadedRun) -> tuple[int, int] | None:
    """(fold, folds) of a cross-validated job from its recorded config; None without cross-validation."""
    flat = flatten(rec.config or {})
    try:
        folds, fold = int(flat.get(FOLDS_KEY) or 0), int(flat.get(FOLD_KEY) or 0)
    except (TypeError, ValueError):
        return None
    return (fold, folds) if folds > 0 else None


def _fold_ranks(probs: NDArray[np.float64]) -> NDArray[np.float64]:
    return rankdata(probs) / probs.size


def _merge(group: list[LoadedRun], folds: int) -> LoadedRun:
    by_fold = {fold_setting(r)[0]: r for r in sorted(group, key=lambda r: (r.ended_at, str(r.path)))}  # type: ignore[index]
    first = by_fold.get(0) or next(iter(by_fold.values()))
    done = {f: r for f, r in by_fold.items() if r.usable}
    if sorted(done) != list(range(folds)):
        lacking = sorted(set(range(folds)) - set(done))
        return replace(first, status=INCOMPLETE, test=None, valid=None, degenerate_splits=(),
                       error=f"out-of-fold predictions need all {folds} folds; fold(s) "
                             f"{', '.join(map(str, lacking))} not completed")
    ids, labels, probs, fold_of, aucs = [], [], [], [], []
    for f in range(folds):
        test = done[f].test
        assert test is not None
        ids.append(test.ids)
        labels.append(test.labels)
        probs.append(_fold_ranks(test.probs))
        fold_of.append(np.full(test.n, f))
        aucs.append(float(structural_components(test.labels, test.probs[None, :])[0][0])
                    if 0 < test.n_pos < test.n else float("nan"))
    all_ids = np.concatenate(ids)
    order = np.argsort(all_ids, kind="stable")
    if len(set(all_ids.tolist())) != all_ids.size:
        return replace(first, status=INCOMPLETE, test=None, valid=None, degenerate_splits=(),
                       error="fold test sets overlap: an example is tested in two folds")
    test = OutOfFold(all_ids[order], np.concatenate(labels)[order], np.concatenate(probs)[order],
                     np.concatenate(fold_of)[order], tuple(aucs))
    degenerate = tuple(sorted({s for r in done.values() for s in r.degenerate_splits}))
    valid_aucs = [((r.metrics or {}).get("valid") or {}).get("auc") for r in done.values()]
    valid_aucs = [float(v) for v in valid_aucs if isinstance(v, int | float)]
    metrics: dict[str, Any] = {"valid": {"auc": float(np.mean(valid_aucs))} if valid_aucs else {}}
    return replace(first, status=COMPLETED, test=test, valid=None, metrics=metrics, degenerate_splits=degenerate,
                   warnings=[w for r in group for w in r.warnings],
                   fold_runs=tuple(done[f] for f in range(folds)))


def merge_fold_runs(runs: list[LoadedRun], problems: list[str]) -> list[LoadedRun]:
    """Runs without cross-validation unchanged; the fold jobs of each (variant, seed) as one run."""
    plain: list[LoadedRun] = []
    groups: dict[tuple[str, int | None, int], list[LoadedRun]] = {}
    for rec in runs:
        setting = fold_setting(rec)
        if setting is None:
            plain.append(rec)
            continue
        key = json.dumps(variant_config(rec.config, (FOLD_KEY, SEED_KEY)), sort_keys=True, default=str)
        groups.setdefault((key, rec.seed, setting[1]), []).append(rec)
    merged = []
    for (_, seed, folds), group in groups.items():
        run = _merge(group, folds)
        if run.status != COMPLETED:
            problems.append(f"{display_path(run.path)} (seed {seed}): {run.error}")
        merged.append(run)
    return plain + merged


def verdict_basis(test: SplitPredictions) -> str:
    """How many examples and positives the verdict rests on (and over how many folds)."""
    line = f"the verdict rests on {test.n} test examples ({test.n_pos} positive)"
    if isinstance(test, OutOfFold):
        aucs = ", ".join(f"{a:.3f}" for a in test.fold_aucs)
        line += f", out of fold over {len(test.fold_aucs)} folds (each example tested once; baseline fold AUCs {aucs})"
    return line

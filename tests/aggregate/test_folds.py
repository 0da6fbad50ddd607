"""Issue 19 point 1 (aggregator side): cross-validated sweeps. The fold jobs of one (variant, seed) become
one out-of-fold run over all N examples; the verdict uses the fold-stratified AUC with DeLong variances
added over folds; per-fold AUC in per_run; a line on how many examples and positives the verdict rests on."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from protsweep.aggregate import aggregate
from protsweep.aggregate.oof import stratified_auc
from protsweep.aggregate.uncertainty import fold_delta_auc, pooled_with_fold_means, seed_delta_auc
from protsweep.aggregate.verdict import BETTER

from .runrecords import BASE_CONFIG, HEADS, synthetic_labels, write_multirun, write_run

FOLDS = 4


def _fold_sweep(root: Path, effects: dict[str, float], seeds: list[int], n: int = 400,
                skip: tuple[str, int, int] | None = None) -> tuple[Path, np.ndarray, np.ndarray]:
    """One job per (head, seed, fold): fold f's job predicts only fold f's examples, each fold model on its
    own score scale (a monotone transform per fold that a pooled AUC would be misled by)."""
    sweep = root / "outputs" / "sweeps" / "head" / "cv"
    write_multirun(sweep, ["sweep=head", f"head={','.join(effects)}", f"seed={','.join(map(str, seeds))}",
                           f"data.cv.folds={FOLDS}", f"data.cv.fold={','.join(map(str, range(FOLDS)))}"])
    y = synthetic_labels(n)
    ids = np.array([f"t{i:05d}" for i in range(n)])
    folds = np.arange(n) % FOLDS
    shared = np.random.default_rng(11).normal(size=n)
    for head, effect in effects.items():
        for s in seeds:
            for f in range(FOLDS):
                if skip == (head, s, f):
                    continue
                cfg = json.loads(json.dumps(BASE_CONFIG))
                cfg["head"] = HEADS[head]
                cfg["data"] |= {"cv": {"folds": FOLDS, "fold": f}}
                sel = folds == f
                own = np.random.default_rng(1000 * s + 10 * f + len(head)).normal(size=n)
                z = effect * y + 0.8 * shared + 0.6 * own
                probs = 1.0 / (1.0 + np.exp(-(0.3 + 0.4 * f) * z - f))  # the fold model's own scale
                write_run(sweep, ["sweep=head", f"head={head}", f"seed={s}", f"data.cv.folds={FOLDS}",
                                  f"data.cv.fold={f}"], seed=s, test_probs=probs[sel], test_labels=y[sel],
                          test_ids=ids[sel], config=cfg)
    return sweep, y, folds


def test_fold_jobs_merge_into_out_of_fold_runs_with_the_stratified_auc(tmp_path: Path) -> None:
    sweep, y, folds = _fold_sweep(tmp_path, {"default": 1.0, "two_layer": 2.2}, seeds=[0, 1, 2])
    res = aggregate([sweep], n_boot=200)
    assert len(res.per_run) == 6 and res.n_test == y.size and res.n_pos == int(y.sum())
    row = res.per_run.iloc[0]
    fold_aucs = [float(a) for a in row["fold_auc"].split(", ")]
    assert len(fold_aucs) == FOLDS
    # the stratified AUC is the pair-weighted mean of the fold AUCs (each fold ranked by its own model)
    pairs = np.array([(y[folds == f] == 1).sum() * (y[folds == f] == 0).sum() for f in range(FOLDS)])
    assert row["auc"] == pytest.approx(float(np.dot(pairs, fold_aucs) / pairs.sum()), abs=1e-4)
    c = res.comparisons.iloc[0]
    assert c["verdict"] == BETTER and c["k"] == 3
    assert f"the verdict rests on {y.size} test examples ({int(y.sum())} positive), out of fold over {FOLDS}" \
        in res.verdict_basis


def test_a_missing_fold_leaves_that_seed_out_and_says_so(tmp_path: Path) -> None:
    sweep, _, _ = _fold_sweep(tmp_path, {"default": 1.0, "two_layer": 2.2}, seeds=[0, 1, 2],
                              skip=("two_layer", 1, 2))
    res = aggregate([sweep], n_boot=200)
    assert res.comparisons.iloc[0]["k"] == 2
    assert any("fold(s) 2 not completed" in p for p in res.problems)


def test_stratified_auc_ignores_fold_scales_and_matches_sklearn_per_fold() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(300) < 0.3).astype(int)
    folds = rng.integers(0, 3, 300)
    s = y + rng.normal(size=300)
    scaled = s * (1 + folds) + 10 * folds
    assert stratified_auc(y, folds, s) == pytest.approx(stratified_auc(y, folds, scaled))
    w = [(y[folds == f] == 1).sum() * (y[folds == f] == 0).sum() for f in range(3)]
    ref = sum(wi * roc_auc_score(y[folds == f], s[folds == f]) for f, wi in enumerate(w)) / sum(w)
    assert stratified_auc(y, folds, s) == pytest.approx(ref)


def test_one_fold_is_the_single_split_interval() -> None:
    rng = np.random.default_rng(9)
    y = (rng.random(200) < 0.3).astype(int)
    a = y + rng.normal(size=(3, 200))
    b = 0.8 * y + rng.normal(size=(3, 200))
    one, fold = seed_delta_auc(y, a, b), fold_delta_auc(y, np.zeros(200, int), a, b)
    assert (fold.delta, fold.lo, fold.hi, fold.df) == pytest.approx((one.delta, one.lo, one.hi, one.df))


def _out_of_fold_scores(rng: np.random.Generator, y: np.ndarray, folds: np.ndarray, x: np.ndarray, slope: float,
                        slope_sd: float, recipe_sd: float, k: int, rescale: bool) -> np.ndarray:
    """One arm's K x N out-of-fold scores: the shared example score ``x`` plus the arm's own example effect
    (sd ``recipe_sd``, the same in every seed and fold), a slope on the label per (fold, seed) model, unit noise;
    with ``rescale`` each fold's models get their own score scale."""
    base = x + recipe_sd * rng.standard_normal(y.size)
    slopes = slope + slope_sd * rng.standard_normal((int(folds.max()) + 1, k))
    scores = slopes[folds].T * y + base + rng.standard_normal((k, y.size))
    if rescale:
        scores *= rng.uniform(0.5, 2.0, int(folds.max()) + 1)[folds]
    return scores


def _simulated_routes(
    seed: int, reps: int, slopes: tuple[float, float], slope_sd: float, recipe_sd: float, rescale: bool,
    n: int = 600, k: int = 3, n_folds: int = 5,
) -> Iterator[tuple[np.ndarray, np.ndarray, list[np.ndarray]]]:
    """``reps`` draws of (labels, folds, [variant, baseline] out-of-fold scores): 5 folds x 3 seeds of 600
    examples (25% positive), one shared example score per draw, each arm with its own slope and example effect."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    folds = np.arange(n) % n_folds
    for _ in range(reps):
        x = rng.standard_normal(n)
        yield y, folds, [_out_of_fold_scores(rng, y, folds, x, s, slope_sd, recipe_sd, k, rescale) for s in slopes]


def test_out_of_fold_interval_covers_the_true_delta() -> None:
    """Fast version of bench_power.py's coverage: 5 folds x 3 seeds, fold models on their own scales, a
    recipe-specific example effect; population AUC with slope B: Φ(B / sqrt(2 (2 + r²) + s²))."""
    beta, sd_beta, recipe_sd, reps = (1.3, 1.0), 0.1, 0.5, 300
    scale = math.sqrt(2 * (2 + recipe_sd**2) + sd_beta**2)
    true = stats.norm.cdf(beta[0] / scale) - stats.norm.cdf(beta[1] / scale)
    covered = 0
    for y, folds, arms in _simulated_routes(20261206, reps, beta, sd_beta, recipe_sd, rescale=True):
        iv = fold_delta_auc(y, folds, *arms)
        covered += iv.lo <= true <= iv.hi
    assert 0.92 <= covered / reps <= 0.98, covered / reps


def test_fold_means_add_their_df_to_the_within_fold_estimate() -> None:
    """Equal folds: Var(d̄) = (df_w·V_w + (F − 1)·V_b)/(df_w + F − 1) with V_w = Σ w_f² se_f² (each fold's own
    single-split interval) and V_b = the sample variance of the fold Δs over F; df = df_w + F − 1."""
    n_folds, k = 4, 3
    rng = np.random.default_rng(3)
    y = np.tile(np.r_[np.ones(20, int), np.zeros(60, int)], n_folds)
    folds = np.repeat(np.arange(n_folds), 80)
    recipe_a, recipe_b = rng.normal(size=(2, y.size))  # each arm's own example effect: τ_c² > 0 in every fold
    a = (1.0 + 0.6 * rng.standard_normal((k, 1))) * y + recipe_a + rng.normal(size=(k, y.size))
    b = (0.8 + 0.6 * rng.standard_normal((k, 1))) * y + recipe_b + rng.normal(size=(k, y.size))
    per_fold = [seed_delta_auc(y[folds == f], a[:, folds == f], b[:, folds == f]) for f in range(n_folds)]
    # seeds spread beyond test noise in every fold (each fold's floor max(s², τ̂_w²) is s² itself) and no fold's
    # τ̂_c² is clipped at 0: the sums over folds are then the per-fold figures added up
    assert all(iv.per_seed_var == pytest.approx(k * (iv.se**2 - iv.tau_common)) for iv in per_fold)
    assert all(iv.tau_common > 0 for iv in per_fold)
    tau_c = sum(iv.tau_common for iv in per_fold) / n_folds**2
    per_seed = sum(iv.per_seed_var for iv in per_fold) / n_folds**2
    df_w = n_folds * (k - 1) * (1 + tau_c / (per_seed / k)) ** 2
    var_w = sum(iv.se**2 for iv in per_fold) / n_folds**2
    var_b = np.var([iv.delta for iv in per_fold], ddof=1) / n_folds
    iv = fold_delta_auc(y, folds, a, b)
    assert iv.df == pytest.approx(df_w + n_folds - 1)
    assert iv.se**2 == pytest.approx((df_w * var_w + (n_folds - 1) * var_b) / (df_w + n_folds - 1))
    assert iv.delta == pytest.approx(np.mean([d.delta for d in per_fold]))


def test_the_fold_means_estimate_is_unbiased_for_unequal_folds() -> None:
    """Fold Δs drawn with one variance V₀: the pooled estimate (given the exact within-fold value) averages to
    Var(Σ w_f d̄_f) = Σ w_f² V₀ for unequal pair weights too."""
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    rng = np.random.default_rng(3)
    target = float(weights @ weights)
    draws = [pooled_with_fold_means(target, 6.0, rng.standard_normal(4), weights)[0] for _ in range(20000)]
    assert np.mean(draws) == pytest.approx(target, rel=0.02)
    assert pooled_with_fold_means(target, math.inf, rng.standard_normal(4), weights) == (target, math.inf)


def test_out_of_fold_null_route_keeps_its_level() -> None:
    """5 folds x 3 seeds, true Δ = 0 with a recipe-specific example effect per arm: p < 0.05 in 2–8% of 400
    repetitions (the pooled df must not make the test liberal)."""
    reps = 400
    rejected = 0
    for y, folds, arms in _simulated_routes(20261207, reps, (1.0, 1.0), 0.1, 0.5, rescale=False):
        rejected += fold_delta_auc(y, folds, *arms).p_value < 0.05
    assert 0.02 <= rejected / reps <= 0.08, rejected / reps


def test_seeds_needed_range_of_an_out_of_fold_verdict_rests_on_the_folds_df() -> None:
    """5 folds x 3 seeds: the per-seed variance rests on F·(K − 1) = 10 df, so its 80% range is the one of a
    chi-square on 10 df (on one split with 3 seeds it would be 2 df, and far wider)."""
    from dataclasses import replace

    from protsweep.aggregate.verdict import seeds_needed, seeds_needed_range

    rng = np.random.default_rng(3)
    n, k, n_folds = 1000, 3, 5
    y = (rng.random(n) < 0.3).astype(int)
    folds = np.arange(n) % n_folds
    a = 0.6 * y + rng.normal(size=(k, n))
    b = 0.5 * y + rng.normal(size=(k, n))
    iv = fold_delta_auc(y, folds, a, b)
    assert iv.per_seed_df == n_folds * (k - 1)
    df = 10
    at = [iv.per_seed_var * df / stats.chi2.ppf(q, df) for q in (0.9, 0.1)]
    expected = tuple(seeds_needed(replace(iv, per_seed_var=v), 0.005) for v in at)
    assert seeds_needed_range(iv, 0.005) == expected
    assert expected[0] < expected[1]
    single = seed_delta_auc(y, a, b)
    assert single.per_seed_df == k - 1

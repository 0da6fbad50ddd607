"""Issue 9: the primary Δ interval (seeds and test set), its coverage, TOST, the verdict and the power
arithmetic, the ceiling sentence."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from protsweep.aggregate import aggregate, build_report, report_markdown
from protsweep.aggregate.conclusion import ceiling_holds, verdict_lines
from protsweep.aggregate.delong import delong_paired, structural_components
from protsweep.aggregate.report import Report
from protsweep.aggregate.uncertainty import delta_interval, seed_delta_auc
from protsweep.aggregate.verdict import (
    BETTER,
    EQUIVALENT,
    UNDECIDED,
    WORSE,
    VerdictInputs,
    min_detectable_delta,
    seeds_needed,
    seeds_needed_range,
    tost_p,
    verdict,
)

from .runrecords import make_head_sweep


def _simulate(
    rng: np.random.Generator, y: np.ndarray, k: int, beta: tuple[float, float], sd_beta: float, recipe_sd: float = 0.0
):
    """Scores of K seeds per arm: beta_seed * label + a per-example difficulty shared by every model (the
    test-set sampling both arms share) + each model's own noise. The seed draws beta ~ N(beta, sd_beta²).
    ``recipe_sd``: a recipe-specific example effect, drawn once per arm and shared by all its seeds (each
    recipe ranks some examples differently, every seed alike: more seeds cannot remove it)."""
    x = rng.standard_normal(y.size)
    arms = []
    for b in beta:
        slopes = b + sd_beta * rng.standard_normal(k)
        recipe = recipe_sd * rng.standard_normal(y.size)
        arms.append(slopes[:, None] * y + x + recipe + rng.standard_normal((k, y.size)))
    return arms


def test_primary_interval_covers_the_true_delta_95_percent() -> None:
    """Known truth: a model with slope b has population AUC Φ(b / 2) (score difference of a positive and a
    negative ~ N(b, 4)); over seeds, E Φ(B / 2) with B ~ N(b, s²) is Φ(b / sqrt(4 + s²))."""
    k, n_pos, n_neg, beta, sd_beta, reps = 4, 50, 150, (1.2, 1.0), 0.2, 1000
    true = stats.norm.cdf(beta[0] / math.sqrt(4 + sd_beta**2)) - stats.norm.cdf(beta[1] / math.sqrt(4 + sd_beta**2))
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    rng = np.random.default_rng(20261122)
    covered = 0
    for _ in range(reps):
        variant, base = _simulate(rng, y, k, beta, sd_beta)
        iv = seed_delta_auc(y, variant, base)
        covered += iv.lo <= true <= iv.hi
    coverage = covered / reps
    assert 0.93 <= coverage <= 0.97, coverage


def test_recipe_specific_example_effect_the_combined_interval_covers_where_the_paired_t_does_not() -> None:
    """Issue 19 point 3: each recipe ranks some examples differently in every seed (a per-arm example effect,
    sd 1.0) and seeds barely differ (slope sd 0.05). The paired t over seeds treats that shared effect as
    fixed and under-covers; the combined interval carries it as test-set variance. Population AUC with
    slope B: Φ(B / sqrt(2 (2 + r²) + s²))."""
    k, n_pos, n_neg, beta, sd_beta, recipe_sd, reps = 4, 50, 150, (1.2, 1.0), 0.05, 1.0, 1000
    scale = math.sqrt(2 * (2 + recipe_sd**2) + sd_beta**2)
    true = stats.norm.cdf(beta[0] / scale) - stats.norm.cdf(beta[1] / scale)
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    rng = np.random.default_rng(20261206)
    combined = paired = 0
    for _ in range(reps):
        variant, base = _simulate(rng, y, k, beta, sd_beta, recipe_sd)
        iv = seed_delta_auc(y, variant, base)
        combined += iv.lo <= true <= iv.hi
        d = structural_components(y, variant)[0] - structural_components(y, base)[0]
        lo, hi = stats.t.interval(0.95, k - 1, loc=d.mean(), scale=stats.sem(d))
        paired += lo <= true <= hi
    assert 0.93 <= combined / reps <= 0.97, combined / reps
    assert paired / reps < 0.88, paired / reps


def test_df_never_below_k_minus_1_and_a_small_s2_cannot_raise_it() -> None:
    """Issue 19 defect 8 and point 3. Var = τ̂_c² + s²/K (τ̂_c² clipped at 0, so Var ≥ s²/K); the df is
    Satterthwaite's with the per-seed variance taken at max(s², τ̂_w²): (K − 1)(1 + K τ̂_c² / max(s², τ̂_w²))²."""
    # τ̂_w² = (V₁ − V̄) K/(K − 1) = 0.006 exceeds K·V̄: the old formula gave df < K − 1 here
    d = np.array([0.05, -0.04, 0.01])
    iv = delta_interval(d, 0.0005, 0.0045)
    s2 = float(d.var(ddof=1))
    assert iv.df == pytest.approx(2.0) and iv.se == pytest.approx(math.sqrt(s2 / 3))
    # τ̂_c² = V̄ − τ̂_w²/K; a chance-low s² (below τ̂_w²) leaves the df at its floor's value
    tau_w = (2e-4 - 1e-4) * 3 / 2
    tau_c = 1e-4 - tau_w / 3
    for spread in (1e-3, 1e-4, 1e-6):
        dd = np.array([-spread, 0.0, spread])
        iv = delta_interval(dd, 1e-4, 2e-4)
        per_seed = max(float(dd.var(ddof=1)), tau_w)
        assert iv.df == pytest.approx(2 * (1 + tau_c / (per_seed / 3)) ** 2)
        assert iv.se == pytest.approx(math.sqrt(tau_c + float(dd.var(ddof=1)) / 3))
    assert delta_interval(np.array([-1e-6, 0.0, 1e-6]), 1e-4, 2e-4).df == pytest.approx(
        delta_interval(np.array([-1e-4, 0.0, 1e-4]), 1e-4, 2e-4).df
    )


def test_without_seed_variation_the_interval_is_delongs() -> None:
    """K identical seeds: no seed variance; the interval is DeLong's normal interval of one Δ."""
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(40, int), np.zeros(60, int)]
    a = y * 1.0 + rng.standard_normal(y.size)
    b = y * 0.6 + rng.standard_normal(y.size)
    iv = seed_delta_auc(y, np.vstack([a, a, a]), np.vstack([b, b, b]))
    dl = delong_paired(y, a, b)
    half = stats.norm.ppf(0.975) * math.sqrt(dl.var)
    assert iv.delta == pytest.approx(dl.delta)
    assert (iv.lo, iv.hi) == pytest.approx((dl.delta - half, dl.delta + half))
    assert iv.p_value == pytest.approx(dl.p_value)
    assert math.isinf(iv.df)


def test_seed_variance_only_gives_the_t_interval() -> None:
    """No test-set variance (both variances 0): the paired t-interval over seeds, K - 1 degrees of freedom."""
    d = np.array([0.02, 0.05, 0.01, 0.04])
    iv = delta_interval(d, 0.0, 0.0)
    lo, hi = stats.t.interval(0.95, df=3, loc=d.mean(), scale=stats.sem(d))
    assert (iv.lo, iv.hi) == pytest.approx((lo, hi)) and iv.df == pytest.approx(3)
    assert iv.p_value == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue)


def test_interval_stays_within_minus_one_one_and_says_so() -> None:
    iv = delta_interval([0.9, -0.5], 0.0, 0.0)
    assert iv.lo == -1.0 and iv.hi == 1.0 and iv.clipped


def test_tost_worked_example() -> None:
    """Δ = 0.004, margin 0.01, normal reference. se = 0.003: p = max(P(Z > 14/3), Φ(−2)) = Φ(−2) = 0.0228,
    and the 90% interval [−0.0009, 0.0089] lies inside ±0.01: equivalent. se = 0.004: Φ(−1.5) = 0.0668 and
    the 90% interval reaches 0.0106: not equivalent."""
    p = tost_p(0.004, 0.003, math.inf, 0.01)
    assert p == pytest.approx(0.0227501, abs=1e-6)
    assert verdict(VerdictInputs(0.004, 0.18, p)) == EQUIVALENT
    p_wide = tost_p(0.004, 0.004, math.inf, 0.01)
    assert p_wide == pytest.approx(0.0668072, abs=1e-6)
    assert verdict(VerdictInputs(0.004, 0.32, p_wide)) == UNDECIDED
    assert 0.004 + stats.norm.ppf(0.95) * 0.004 > 0.01  # the 90% interval leaves the margin
    assert verdict(VerdictInputs(0.03, 0.001, 1.0)) == BETTER
    assert verdict(VerdictInputs(-0.03, 0.001, 1.0)) == WORSE


def test_power_arithmetic() -> None:
    assert min_detectable_delta(0.01, math.inf) == pytest.approx((1.959964 + 0.841621) * 0.01, abs=1e-6)
    iv = delta_interval([0.01, -0.02, 0.015], 1e-5, 3e-5)
    k = seeds_needed(iv, 0.01)
    assert math.isfinite(k) and k > iv.k

    def detects(kk: float) -> bool:
        seed = iv.per_seed_var / kk
        var = iv.tau_common + seed
        df = var**2 / (seed**2 / (kk - 1))
        return (stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * math.sqrt(var) <= 0.01

    assert detects(k) and not detects(k - 1)
    # the shared test-set variance alone hides the margin: no number of seeds helps
    assert math.isinf(seeds_needed(delta_interval([0.0, 0.001], 1e-4, 1e-4), 0.01))


def test_two_seed_sweep_is_undecided_and_says_what_it_takes(tmp_path: Path) -> None:
    # Δ ≈ +0.009: a gain of the margin is not ruled out (one-sided p ≥ α), so it blocks the ceiling
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6, "wide": 1.7}, seeds=[0, 1])
    rep = build_report([sweep], n_boot=200)
    row = rep.routes.iloc[0]
    assert row["verdict"] == UNDECIDED and row["k"] == 2 and row["p_ceiling_auc"] >= 0.05
    md = report_markdown(rep)
    assert f"with 2 seeds the smallest ΔAUC detectable at 80% power is ±{row['mdd_auc']:.3f}" in md
    assert "no ceiling can be claimed" in md and "looks like the ceiling" not in md
    need = row["seeds_needed_auc"]
    assert math.isfinite(need)
    lo, hi = row["seeds_needed_auc_lo"], row["seeds_needed_auc_hi"]
    assert lo <= need <= hi
    hi_text = "> 1000" if math.isinf(hi) else str(int(hi))
    assert f"about {int(need)} (80% range {int(lo)}–{hi_text}) seeds per arm would detect ±0.01" in md
    # the command that decides it: the sweep's own overrides, more seeds, the same sweep folder
    assert f"to decide it: `protsweep -m sweep=head head=default,wide 'seed=range({int(need)})' hydra.sweep.dir=" in md
    assert str(sweep.name) + "`" in md


def test_margin_is_configurable(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6, "wide": 1.6}, seeds=[0, 1, 2])
    tight = aggregate([sweep], n_boot=200, margin_auc=0.001).comparisons.iloc[0]
    loose = aggregate([sweep], n_boot=200, margin_auc=0.2).comparisons.iloc[0]
    assert tight["verdict"] == UNDECIDED and loose["verdict"] == EQUIVALENT
    assert loose["p_tost_auc"] < 0.05 < tight["p_tost_auc"]


def _routes(
    verdicts: list[str], p_ceiling: list[float] | None = None, n_degenerate: list[int] | None = None
) -> pd.DataFrame:
    n = len(verdicts)
    p_ceiling = p_ceiling if p_ceiling is not None else [0.01] * n
    return pd.DataFrame(
        {
            "route": [f"r{i}" for i in range(n)],
            "k": [3] * n,
            "verdict": verdicts,
            "delta_auc": [0.0] * n,
            "delta_auc_lo": [-0.005] * n,
            "delta_auc_hi": [0.005] * n,
            "p_delta_auc_holm": [0.9] * n,
            "p_tost_auc_holm": [0.01] * n,
            "p_ceiling_auc": p_ceiling,
            "negligible": [v == BETTER and p < 0.05 for v, p in zip(verdicts, p_ceiling, strict=True)],
            "n_degenerate": n_degenerate if n_degenerate is not None else [0] * n,
            "collapsed": [False] * n,
            "mdd_auc": [0.02] * n,
            "seeds_needed_auc": [12.0] * n,
            "seeds_needed_auc_lo": [8.0] * n,
            "seeds_needed_auc_hi": [30.0] * n,
            "var_shared_auc": [1e-6] * n,
        }
    )


@pytest.mark.parametrize(
    ("verdicts", "p_ceiling", "ceiling"),
    [
        ([EQUIVALENT, WORSE, EQUIVALENT], [0.01, 0.0, 0.02], True),
        ([EQUIVALENT, UNDECIDED], [0.01, 0.3], False),
        # undecided, but a gain of the margin is ruled out (one-sided): it does not block the ceiling
        ([EQUIVALENT, UNDECIDED], [0.01, 0.02], True),
        # defect 4: better by a negligible amount does not block the ceiling; a real gain does
        ([BETTER, EQUIVALENT], [0.01, 0.01], True),
        ([BETTER, EQUIVALENT], [0.6, 0.01], False),
        ([], [], False),
    ],
)
def test_ceiling_is_the_one_sided_intersection_union_test(verdicts: list[str], p_ceiling: list[float], ceiling: bool):
    rep = Report(_routes(verdicts, p_ceiling), [], [], None, 0.05, None, 0.01)
    text = "\n".join(verdict_lines(rep))
    assert ceiling_holds(rep.routes) is ceiling
    assert ("looks like the ceiling" in text) is ceiling
    if UNDECIDED in verdicts:
        assert "about 12 (80% range 8–30) seeds per arm would detect ±0.01" in text
    if BETTER in verdicts:
        negligible = p_ceiling[verdicts.index(BETTER)] < 0.05
        assert ("Better by a negligible amount" in text) is negligible
        assert ("No ceiling: at least one route beats its baseline" in text) is not negligible


def test_degenerate_routes_are_named_and_never_count_towards_the_ceiling() -> None:
    """Defect 3: a collapsed route is "worse", but a route that never trained is evidence of nothing."""
    only_collapsed = Report(_routes([WORSE], [0.0], [3]), [], [], None, 0.05, None, 0.01)
    assert not ceiling_holds(only_collapsed.routes)
    text = "\n".join(verdict_lines(only_collapsed))
    assert "looks like the ceiling" not in text and "**Degenerate**" in text and "r0" in text
    rep = Report(_routes([WORSE, EQUIVALENT], [0.0, 0.01], [3, 0]), [], [], None, 0.05, None, 0.01)
    text = "\n".join(verdict_lines(rep))
    assert ceiling_holds(rep.routes) and "left out, evidence of nothing: r0" in text


def test_seeds_needed_range_brackets_the_estimate() -> None:
    """Defect 9: the seeds needed rest on s² with K − 1 df; the 80% chi-square range of the per-seed
    variance gives the range of seeds."""
    iv = delta_interval([0.01, -0.02, 0.015], 1e-5, 3e-5)
    need = seeds_needed(iv, 0.01)
    lo, hi = seeds_needed_range(iv, 0.01)
    assert lo < need < hi
    low_var = iv.per_seed_var * 2 / stats.chi2.ppf(0.9, 2)
    assert lo == seeds_needed(replace(iv, per_seed_var=low_var), 0.01)


def test_one_positive_test_set_falls_back_to_the_bootstrap_variance(tmp_path: Path) -> None:
    labels = np.r_[np.ones(1, int), np.zeros(40, int)]
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2], labels=labels)
    row = aggregate([sweep], n_boot=200).comparisons.iloc[0]
    assert -1.0 <= row["delta_auc_lo"] <= row["delta_auc"] <= row["delta_auc_hi"] <= 1.0
    assert "DeLong" in row["note"]  # the ensemble DeLong test could not run either, and says so

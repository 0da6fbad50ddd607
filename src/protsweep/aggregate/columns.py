"""Column names of the result tables, generated from the metrics rather than typed out."""

from __future__ import annotations

from protsweep.record.contract import CALIBRATION_METRICS

METRICS: tuple[str, ...] = ("auc", "auprc")
# Extra statistics of the ensemble comparison that exist for one metric only (DeLong is an AUC test).
ENSEMBLE_TEST_COLUMNS: dict[str, tuple[str, ...]] = {"auc": ("delong_z", "delong_var", "p_delong")}
# The metric the verdict (and its equivalence margin, report.margin_auc) is about.
VERDICT_METRIC = "auc"
HOLM_P_COLUMNS: tuple[str, ...] = (
    *(f"p_delta_{m}" for m in METRICS),
    f"p_tost_{VERDICT_METRIC}",
    *(f"p_{m}" for m in METRICS),
    "p_delong",
)


def interval(prefix: str) -> list[str]:
    """``auc`` -> ``["auc", "auc_lo", "auc_hi"]``: a value and its interval."""
    return [prefix, f"{prefix}_lo", f"{prefix}_hi"]


def mc_column(prefix: str) -> str:
    """``ens_auc`` -> ``ens_auc_mc``: the Monte-Carlo error of a bootstrap interval's ends (mc_error.py)."""
    return f"{prefix}_mc"


def seed_stat_columns(metric: str) -> list[str]:
    """Mean, sd and t-interval of a metric over seeds."""
    return [f"{metric}_mean", f"{metric}_sd", f"{metric}_ci_lo", f"{metric}_ci_hi"]


def ensemble_columns() -> list[str]:
    cols = ["ens_k"]
    for m in METRICS:
        cols += interval(f"ens_{m}")
    return cols + [f"ens_gain_{m}" for m in METRICS] + [mc_column(f"ens_{m}") for m in METRICS]


def delta_columns(metric: str) -> list[str]:
    """The paired t-test over matching seeds on the per-seed difference of ``metric``."""
    d = f"delta_{metric}"
    return [d, f"{d}_sd", f"{d}_ci_lo", f"{d}_ci_hi", f"t_{metric}", f"p_{metric}", f"p_{metric}_holm"]


def primary_delta_columns(metric: str) -> list[str]:
    """The primary interval of the seed-mean Δ with both sources of uncertainty (uncertainty.py)."""
    d = f"delta_{metric}"
    return [f"{d}_se", f"{d}_df", f"{d}_lo", f"{d}_hi", f"p_{d}", f"p_{d}_holm"]


def verdict_columns() -> list[str]:
    """Equivalence (TOST at the margin), the verdict, and the power arithmetic for undecided routes."""
    m = VERDICT_METRIC
    return [
        f"p_tost_{m}",
        f"p_tost_{m}_holm",
        "verdict",
        f"p_ceiling_{m}",
        "negligible",
        f"mdd_{m}",
        f"seeds_needed_{m}",
        f"seeds_needed_{m}_lo",
        f"seeds_needed_{m}_hi",
        f"var_shared_{m}",
        "n_degenerate",
        "collapsed",
    ]


def ensemble_delta_columns(metric: str) -> list[str]:
    tests = list(ENSEMBLE_TEST_COLUMNS.get(metric, ()))
    holm = [f"{tests[-1]}_holm"] if tests else []
    d = f"ens_delta_{metric}"
    return [f"ens_{metric}", f"ens_{metric}_base", *interval(d), mc_column(d), *tests, *holm]


RUN_INFO_COLUMNS = ["variant", "seed", "status", "used", "degenerate", "backbone", "dataset"]
PER_RUN_COLUMNS: list[str] = [
    *RUN_INFO_COLUMNS,
    *(c for m in METRICS for c in interval(m)),
    "n_test",
    "n_pos",
    *(f"valid_{m}" for m in METRICS),
    "best_epoch",
    "epochs_run",
    "wall_seconds",
    "error",
    "run_dir",
    "fold_auc",  # cross-validated runs: each fold's test AUC (its own model, its own examples)
]
SUMMARY_COLUMNS: list[str] = [
    "variant",
    "baseline",
    "best",
    "n_seeds",
    "n_expected",
    "n_degenerate",
    "valid_auc_mean",
    *(c for m in METRICS for c in seed_stat_columns(m)),
    *ensemble_columns(),
]
# Calibration of the test probabilities (calibration_table.py): mean and sd over seeds, and of the ensemble.
CALIBRATION_SUMMARY_COLUMNS: list[str] = [
    c for m in CALIBRATION_METRICS for c in (f"{m}_mean", f"{m}_sd", f"ens_{m}")
]
# Comparison columns repeated in the summary table, next to each variant.
SUMMARY_COMPARISON_COLUMNS = [
    *primary_delta_columns("auc")[2:],
    "delta_auc",
    "verdict",
    "p_auc_holm",
    "ens_delta_auc",
    "p_delong_holm",
]
COVERAGE_SEED_STATES = ("expected", "completed", "missing", "failed", "incomplete", "skipped", "degenerate")
COVERAGE_COLUMNS: list[str] = [
    "variant",
    "baseline",
    "n_expected",
    "n_completed",
    *(f"seeds_{s}" for s in COVERAGE_SEED_STATES),
    "errors",
]
COMPARISON_COLUMNS: list[str] = [
    "variant",
    "baseline",
    "k",
    "seeds",
    *(c for m in METRICS for c in primary_delta_columns(m)),
    *verdict_columns(),
    *(c for m in METRICS for c in delta_columns(m)),
    *(c for m in METRICS for c in ensemble_delta_columns(m)),
    "note",
]
SPLIT_COLUMNS = ["split", "n", "pos", "neg", "small", "variants", "source"]
VARIANT_LEGEND_COLUMNS = ["variant", "baseline", "n_runs", "overrides"]

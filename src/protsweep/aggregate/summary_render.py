"""The summary table as text: one row per variant (seed statistics, ensemble, calibration, comparison), its
note, and the Monte-Carlo error of its bootstrap intervals (one line under it)."""

from __future__ import annotations

import math

import pandas as pd

from .calibration_table import N_BINS
from .columns import METRICS, mc_column
from .formatting import (
    WARNING_MARK,
    fmt,
    fmt_ci,
    fmt_delta_ci,
    fmt_mean_sd,
    fmt_p,
    fmt_signed,
    fmt_value_ci,
    markdown_table,
)
from .mc_error import mc_error_line
from .result import Results
from .similarity import with_similarity_row

BEST_MARK = "★"
RIGHT_ALIGNED = (
    "seeds",
    "K",
    "p t",
    "p t Holm",
    "p DeLong",
    "p DeLong Holm",
    "p (t, Holm)",
    "p (DeLong, Holm)",
    "ΔAUC seeds",
    "ΔAUC ens.",
    "p t Holm (AUPRC)",
)
# summary column prefix -> its heading (calibration_table.py computes them; NaN where a run lacks predictions)
CALIBRATION_HEADINGS = {"brier": "Brier", "ece": "ECE"}


def _seeds_cell(r: pd.Series) -> str:
    cell = f"{int(r['n_seeds'])}/{int(r['n_expected'])}"
    return cell + f" ({int(r['n_degenerate'])} degenerate {WARNING_MARK})" if r["n_degenerate"] else cell


def _calibration_cells(r: pd.Series) -> dict[str, str]:
    cells = {}
    for metric, heading in CALIBRATION_HEADINGS.items():
        cells[f"{heading} mean ± sd"] = fmt_mean_sd(r.get(f"{metric}_mean", math.nan), r.get(f"{metric}_sd", math.nan))
        cells[f"{heading} ens."] = fmt(r.get(f"ens_{metric}", math.nan))
    return cells


def summary_display(results: Results) -> pd.DataFrame:
    """The readable summary: baseline first, best seed-mean AUC marked, degenerate seeds counted."""
    rows = []
    for _, r in results.summary.iterrows():
        name = str(r["variant"]) + (" (baseline)" if r["baseline"] else "") + (f" {BEST_MARK}" if r["best"] else "")
        base = bool(r["baseline"])
        rows.append(
            {
                "variant": name,
                "seeds": _seeds_cell(r),
                "AUC mean ± sd": fmt_mean_sd(r["auc_mean"], r["auc_sd"]),
                "AUC 95% t-CI": fmt_ci(r["auc_ci_lo"], r["auc_ci_hi"]),
                "AUPRC mean ± sd": fmt_mean_sd(r["auprc_mean"], r["auprc_sd"]),
                "AUPRC 95% t-CI": fmt_ci(r["auprc_ci_lo"], r["auprc_ci_hi"]),
                "ens. AUC [95% CI]": fmt_value_ci(r["ens_auc"], r["ens_auc_lo"], r["ens_auc_hi"]),
                "ens. AUPRC [95% CI]": fmt_value_ci(r["ens_auprc"], r["ens_auprc_lo"], r["ens_auprc_hi"]),
                **_calibration_cells(r),
                "ΔAUC [95% CI]": "" if base else fmt_delta_ci(r["delta_auc"], r["delta_auc_lo"], r["delta_auc_hi"]),
                "verdict": "" if base or not isinstance(r["verdict"], str) else r["verdict"],
                "p (Holm)": "" if base else fmt_p(r["p_delta_auc_holm"]),
                "ΔAUC ens.": "" if base else fmt_signed(r["ens_delta_auc"]),
                "p (DeLong, Holm)": "" if base else fmt_p(r["p_delong_holm"]),
            }
        )
    return pd.DataFrame(rows)


def summary_table(results: Results) -> str:
    """The summary as Markdown, with the "sequence similarity alone" row under the variants."""
    return markdown_table(with_similarity_row(summary_display(results), results.similarity), RIGHT_ALIGNED)


def bootstrap_mc_line(results: Results) -> str | None:
    """The largest Monte-Carlo error of any printed bootstrap interval end of this sweep (the ensembles'
    intervals in the summary, the ensemble Δ intervals in the comparisons), and whether it is below the
    printed precision: predict's line (mc_error.mc_error_line), from the aggregator's columns."""
    columns = [(results.summary, mc_column(f"ens_{m}")) for m in METRICS]
    columns += [(results.comparisons, mc_column(f"ens_delta_{m}")) for m in METRICS]
    errors = [v for frame, c in columns if c in frame.columns for v in frame[c].to_numpy(dtype=float)]
    return mc_error_line(errors, results.n_boot)


SUMMARY_NOTE = (
    f"Baseline first; {BEST_MARK} marks the best seed-mean validation AUC (its test figures are shown after the "
    "choice). Mean ± sd across seeds (ddof=1) with a "
    "95% t-interval on the logit scale (it stays within [0, 1]); *ens.* is the seed ensemble (mean probability "
    "over the seeds) with a 95% stratified test-set bootstrap percentile interval. Brier and ECE "
    f"({N_BINS} equal-width bins): calibration of the test probabilities (`prob`, after the calibrator where "
    "one was fitted), mean ± sd over seeds and of the ensemble. ΔAUC: mean paired difference "
    "to the baseline over matching seeds with a 95% interval carrying both the seed and the test-set variance; "
    "verdict and p (Holm) from it. ΔAUC ens.: ensembles at equal K (DeLong test, Holm-adjusted). "
    "See docs/statistics.md."
)

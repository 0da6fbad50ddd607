"""The paper section of the report: a LaTeX table of every route and a methods paragraph that states the
tests, intervals, seeds, resamples and margin actually used."""

from __future__ import annotations

import pandas as pd

from .formatting import fmt_delta_ci, fmt_p
from .paper_notes import methods_notes
from .report import Report
from .routes_tex import routes_latex
from .verdict import POWER

ROUTES_TEX = "routes.tex"
__all__ = ["METHODS_MD", "ROUTES_TEX", "methods_paragraph", "routes_latex", "routes_paper_frame"]
METHODS_MD = "methods.md"


def routes_paper_frame(routes: pd.DataFrame) -> pd.DataFrame:
    """One row per route: ΔAUC with its primary 95% interval, the verdict, the Holm-adjusted p."""
    return pd.DataFrame(
        {
            "Route": routes["route"],
            "K": [str(int(k)) for k in routes["k"]],
            "ΔAUC [95% CI]": [
                fmt_delta_ci(d, lo, hi)
                for d, lo, hi in zip(routes["delta_auc"], routes["delta_auc_lo"], routes["delta_auc_hi"], strict=True)
            ],
            "ΔAUPRC [95% CI]": [
                fmt_delta_ci(d, lo, hi)
                for d, lo, hi in zip(
                    routes["delta_auprc"], routes["delta_auprc_lo"], routes["delta_auprc_hi"], strict=True
                )
            ],
            "Verdict": routes["verdict"],
            "p (Holm)": [fmt_p(p) for p in routes["p_delta_auc_holm"]],
        }
    )


def methods_paragraph(rep: Report) -> str:
    """What was done, in the words a methods section needs (numbers from this report), then the notes it
    shares with routes.tex: degenerate routes, the backbone's init and weights, the software versions."""
    ks = sorted({int(k) for k in rep.routes["k"]}) if not rep.routes.empty else []
    seeds = "/".join(str(k) for k in ks) or "no"
    n_boot = rep.sweeps[0][1].n_boot
    n_test = sorted({r.n_test for _, r in rep.sweeps})
    return (
        f"Each route was compared with its baseline over {seeds} training seed(s) per arm, matched by seed "
        f"number, on one held-out test set (n = {'/'.join(str(n) for n in n_test)}). For each route we report the "
        "mean over seeds of the per-seed difference in test AUC (ΔAUC) and AUPRC. Its 95% interval combines "
        "both sources of uncertainty: the test-set sampling variance shared by all seeds (from DeLong's "
        "structural components for AUC, and from a paired class-stratified bootstrap with "
        f"{n_boot} resamples for AUPRC) plus the between-seed sample variance divided by the number of seeds, "
        "with a Satterthwaite t reference distribution whose degrees of freedom are at least the seeds' "
        "K − 1 (the per-seed variance taken at its floor, the test noise of one seed). A route was called "
        "better or worse when the two-sided "
        f"test of ΔAUC = 0 had a Holm-adjusted p < {rep.alpha} across all {len(rep.routes)} route(s), and "
        f"equivalent when two one-sided tests (Holm-adjusted, α = {rep.alpha}) placed ΔAUC within "
        f"±{rep.margin_auc:g}; otherwise undecided, with the minimum detectable ΔAUC at {int(POWER * 100)}% "
        "power and the number of seeds needed to detect the margin, estimated from the observed variances. "
        f"The baseline was called the ceiling only when every route rejected a gain of +{rep.margin_auc:g} or "
        "more in a one-sided test (an intersection–union test, no multiplicity correction). "
        "As secondary analyses we report the paired t-test over seeds (training variability only) and "
        "DeLong's test between the seed ensembles at equal K (test-set variability only), both Holm-adjusted. "
        "The best configuration was selected on mean validation AUC; its test figures are reported after "
        "selection.\n\n" + "\n\n".join(methods_notes(rep))
    )

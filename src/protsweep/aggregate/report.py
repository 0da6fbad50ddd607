"""Conclusion report across several sweeps: per route Δ vs baseline, Holm, a verdict, the best configuration.

Each directory given is aggregated on its own (with its own baseline); the routes of all of them form
one family for Holm's adjustment. The verdict rests on the primary test, the paired t-test across
seeds on Δ AUC (docs/statistics.md); the ensemble DeLong test is reported alongside.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .api import Results, aggregate
from .bootstrap import DEFAULT_N_BOOT
from .errors import AggregateError
from .stat_tests import holm
from .tables import (
    fmt,
    fmt_ci,
    fmt_mean_sd,
    fmt_p,
    fmt_signed,
    markdown_table,
    replace_owned_dir,
    summary_display,
)

ALPHA = 0.05
GAIN = "significant gain"
LOSS = "significant loss"
NO_DIFF = "no significant difference"
NOT_TESTABLE = "not testable (fewer than 2 matched seeds)"

ROUTE_COLUMNS = [
    "route",
    "sweep",
    "variant",
    "baseline",
    "k",
    "delta_auc",
    "delta_auc_ci_lo",
    "delta_auc_ci_hi",
    "p_auc",
    "p_auc_holm",
    "verdict",
    "ens_delta_auc",
    "ens_delta_auc_lo",
    "ens_delta_auc_hi",
    "p_delong",
    "p_delong_holm",
    "delta_auprc",
    "delta_auprc_ci_lo",
    "delta_auprc_ci_hi",
    "p_auprc",
    "p_auprc_holm",
    "ens_delta_auprc",
    "ens_delta_auprc_lo",
    "ens_delta_auprc_hi",
]


def verdict(delta: float, p_adjusted: float, alpha: float = ALPHA) -> str:
    if p_adjusted is None or math.isnan(p_adjusted):
        return NOT_TESTABLE
    if p_adjusted < alpha:
        return GAIN if delta > 0 else LOSS
    return NO_DIFF


@dataclass
class Report:
    routes: pd.DataFrame
    sweeps: list[tuple[str, Results]]
    failed: list[tuple[str, str]]  # (dir, one-line reason) for directories that could not be aggregated
    best: dict[str, Any] | None
    alpha: float
    reference: dict[str, Any] | None
    markdown: str = ""
    figures: dict[str, str] = field(default_factory=dict)  # file name -> caption

    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write report.md, routes.csv and the figures into ``out_dir`` (a folder the report owns)."""
        from .plots import delta_forest_plot, forest_plot, roc_pr_plot

        def fill(tmp: Path) -> None:
            self.routes.to_csv(tmp / "routes.csv", index=False)
            if not self.routes.empty:
                delta_forest_plot(self.routes, tmp / "delta_forest.png")
            for name, res in self.sweeps:
                slug = _slug(name)
                forest_plot(res, tmp / f"forest_{slug}.png")
                roc_pr_plot(res, tmp / f"roc_pr_{slug}.png")
            (tmp / "report.md").write_text(self.markdown, encoding="utf-8")

        return replace_owned_dir(Path(out_dir), fill)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "sweep"


def build_report(
    dirs: Sequence[str | os.PathLike[str]],
    baseline: Sequence[str] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    alpha: float = ALPHA,
    show_reference: bool = True,
    ignore_keys: Sequence[str] = (),
) -> Report:
    """Aggregate each directory separately and combine the comparisons into one conclusion."""
    sweeps: list[tuple[str, Results]] = []
    failed: list[tuple[str, str]] = []
    for d in dirs:
        try:
            res = aggregate([d], baseline=baseline, n_boot=n_boot, seed=seed, ignore_keys=ignore_keys)
        except AggregateError as exc:
            failed.append((str(d), str(exc)))
            continue
        sweeps.append((res.name, res))
    if not sweeps:
        raise AggregateError("nothing to report: " + "; ".join(f"{d}: {why}" for d, why in failed))
    sweeps = _unique_names(sweeps)

    rows: list[dict[str, Any]] = []
    for name, res in sweeps:
        for _, c in res.comparisons.iterrows():
            rows.append(
                {col: c.get(col, math.nan) for col in ROUTE_COLUMNS}
                | {"route": f"{name}: {c['variant']}", "sweep": name}
            )
    routes = pd.DataFrame(rows, columns=ROUTE_COLUMNS)
    if not routes.empty:
        for col in ("p_auc", "p_auprc", "p_delong"):
            routes[f"{col}_holm"] = holm(routes[col].to_numpy(dtype=np.float64))
        routes["verdict"] = [
            verdict(d, p, alpha) for d, p in zip(routes["delta_auc"], routes["p_auc_holm"], strict=True)
        ]
    reference = None
    if show_reference:
        reference = next((r.reference for _, r in sweeps if r.reference), None)
    report = Report(
        routes=routes, sweeps=sweeps, failed=failed, best=_best(sweeps), alpha=alpha, reference=reference
    )
    report.markdown = _markdown(report)
    return report


def _unique_names(sweeps: list[tuple[str, Results]]) -> list[tuple[str, Results]]:
    """Sweeps of the same name are told apart by their folder, then by position."""
    names = [n for n, _ in sweeps]
    named = [(n if names.count(n) == 1 else f"{n} ({Path(r.dirs[0]).name})", r) for n, r in sweeps]
    names = [n for n, _ in named]
    return [(n if names.count(n) == 1 else f"{n} #{i + 1}", r) for i, (n, r) in enumerate(named)]


def _best(sweeps: list[tuple[str, Results]]) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for name, res in sweeps:
        for _, r in res.summary.iterrows():
            if math.isnan(r["auc_mean"]):
                continue
            key = (r["auc_mean"], r["ens_auc"] if not math.isnan(r["ens_auc"]) else -1.0)
            if best is None or key > best["_key"]:
                best = {"_key": key, "sweep": name, **r.to_dict()}
    return best


def _markdown(rep: Report) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_boot = rep.sweeps[0][1].n_boot
    lines = [
        "# protsweep conclusion report",
        "",
        f"Generated {now} from {len(rep.sweeps)} sweep(s); "
        f"{n_boot} stratified bootstrap resamples per sweep.",
        "",
        "| sweep | directory | runs | baseline |",
        "| --- | --- | --- | --- |",
    ]
    for name, res in rep.sweeps:
        counts = res.per_run["status"].value_counts().to_dict()
        status = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        lines.append(f"| {name} | `{res.dirs[0]}` | {status} | {res.baseline or '— (none)'} |")
    for d, why in rep.failed:
        lines.append(f"| (not aggregated) | `{d}` | {why} | |")
    lines += ["", "## Verdict per route", ""]
    lines += [
        "Primary test: paired t-test across matching seeds on Δ test AUC (variant − baseline), "
        f"Holm-adjusted across all {len(rep.routes)} route(s) in this report, α = {rep.alpha}. "
        "Alongside: the seed ensembles "
        "at equal K (Δ AUC with a stratified paired bootstrap 95% CI and DeLong's test, Holm-adjusted the "
        "same way) and Δ AUPRC. The two answer different questions; see docs/statistics.md.",
        "",
    ]
    if rep.routes.empty:
        lines += ["No comparisons: no sweep has a baseline with completed runs.", ""]
    else:
        lines += [markdown_table(_routes_display(rep.routes), ("K",)), ""]
    lines += ["## Conclusion", "", *_conclusion(rep), ""]
    if rep.reference:
        lines += ["## Reference numbers", "", markdown_table(_reference_table(rep)), ""]
    lines += ["## Figures", ""]
    if not rep.routes.empty:
        lines += ["![Δ AUC per route](delta_forest.png)", ""]
    for name, _ in rep.sweeps:
        slug = _slug(name)
        lines += [
            f"![{name}: per-variant metrics](forest_{slug}.png)",
            "",
            f"![{name}: ROC and PR of the seed ensembles](roc_pr_{slug}.png)",
            "",
        ]
    lines += ["## Per-sweep summaries", ""]
    for name, res in rep.sweeps:
        lines += [f"### {name}", "", markdown_table(summary_display(res)), ""]
        if res.problems:
            lines += [f"- {p}" for p in res.problems] + [""]
    return "\n".join(lines)


def _routes_display(routes: pd.DataFrame) -> pd.DataFrame:
    out = []
    for _, r in routes.iterrows():
        out.append(
            {
                "route": r["route"],
                "K": int(r["k"]),
                "ΔAUC seeds [95% t-CI]": f"{fmt_signed(r['delta_auc'])} "
                f"{fmt_ci(r['delta_auc_ci_lo'], r['delta_auc_ci_hi'], signed=True)}",
                "p (Holm)": fmt_p(r["p_auc_holm"]),
                "verdict": r["verdict"],
                "ΔAUC ens. [95% CI]": f"{fmt_signed(r['ens_delta_auc'])} "
                f"{fmt_ci(r['ens_delta_auc_lo'], r['ens_delta_auc_hi'], signed=True)}",
                "p DeLong (Holm)": fmt_p(r["p_delong_holm"]),
                "ΔAUPRC seeds [95% t-CI]": f"{fmt_signed(r['delta_auprc'])} "
                f"{fmt_ci(r['delta_auprc_ci_lo'], r['delta_auprc_ci_hi'], signed=True)}",
                "ΔAUPRC ens. [95% CI]": f"{fmt_signed(r['ens_delta_auprc'])} "
                f"{fmt_ci(r['ens_delta_auprc_lo'], r['ens_delta_auprc_hi'], signed=True)}",
            }
        )
    return pd.DataFrame(out)


def _conclusion(rep: Report) -> list[str]:
    lines: list[str] = []
    r = rep.routes
    if not r.empty:
        gains = r[r["verdict"] == GAIN]
        losses = r[r["verdict"] == LOSS]
        if len(gains):
            lines.append(
                "- **Beats the baseline** (significant gain): "
                + ", ".join(
                    f"{row.route} (ΔAUC {fmt_signed(row.delta_auc)}, p Holm {fmt_p(row.p_auc_holm)})"
                    for row in gains.itertuples()
                )
            )
        else:
            upper = r["delta_auc_ci_hi"].max()
            bound = (
                f"; the largest upper 95% limit of a route's ΔAUC is {fmt_signed(upper)}"
                if not math.isnan(upper)
                else ""
            )
            lines.append(
                f"- **No route beats its baseline** significantly (Holm, α = {rep.alpha}): within these "
                f"routes the baseline looks like the ceiling{bound}."
            )
        if len(losses):
            lines.append(
                "- Significantly worse than the baseline: "
                + ", ".join(f"{row.route} (ΔAUC {fmt_signed(row.delta_auc)})" for row in losses.itertuples())
            )
        untested = r[r["verdict"] == NOT_TESTABLE]
        if len(untested):
            lines.append(
                "- Not testable (fewer than 2 seeds shared with the baseline): "
                + ", ".join(untested["route"])
            )
    if rep.best is not None:
        b = rep.best
        fingerprints = {res.test_fingerprint for _, res in rep.sweeps}
        caveat = (
            ""
            if len(fingerprints) == 1
            else (" (the sweeps use different test sets, so this cross-sweep ranking is indicative only)")
        )
        lines.append(
            f"- **Best configuration overall** (highest seed-mean test AUC): {b['sweep']}: {b['variant']} — "
            f"AUC {fmt_mean_sd(b['auc_mean'], b['auc_sd'])} over {int(b['n_seeds'])} seed(s), "
            f"AUPRC {fmt_mean_sd(b['auprc_mean'], b['auprc_sd'])}; seed ensemble AUC {fmt(b['ens_auc'])}, "
            f"AUPRC {fmt(b['ens_auprc'])}{caveat}."
        )
    return lines


def _reference_table(rep: Report) -> pd.DataFrame:
    ref = rep.reference or {}
    rows = [
        {
            "": str(ref.get("label") or "reference"),
            "seed-mean AUC": fmt(ref.get("auc_mean")),
            "seed-mean AUPRC": fmt(ref.get("auprc_mean")),
            "ensemble AUC": fmt(ref.get("ensemble_auc")),
            "ensemble AUPRC": fmt(ref.get("ensemble_auprc")),
        }
    ]
    for name, res in rep.sweeps:
        base = res.summary[res.summary["baseline"]]
        for _, r in base.iterrows():
            rows.append(_measured_row(f"measured baseline, {name}: {r['variant']}", r))
    if rep.best is not None:
        rows.append(_measured_row(f"measured best, {rep.best['sweep']}: {rep.best['variant']}", rep.best))
    return pd.DataFrame(rows)


def _measured_row(title: str, r: Any) -> dict[str, str]:
    return {
        "": f"{title} ({int(r['n_seeds'])} seeds)",
        "seed-mean AUC": fmt(r["auc_mean"]),
        "seed-mean AUPRC": fmt(r["auprc_mean"]),
        "ensemble AUC": fmt(r["ens_auc"]),
        "ensemble AUPRC": fmt(r["ens_auprc"]),
    }

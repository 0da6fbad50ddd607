"""File output: the ``results/`` folder of ``aggregate()`` and the report folder, each replaced as a whole."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .calibration_table import CALIBRATION_CSV, CALIBRATION_PNG, calibration_markdown
from .delta_forest import delta_forest_plot
from .errors import OutputDirError
from .palette import variant_styles
from .paper import METHODS_MD, ROUTES_TEX, methods_paragraph, routes_latex
from .plots import ensemble_legend_stats, forest_plot, roc_pr_plot
from .reliability_plot import reliability_plot
from .render import summary_latex, summary_markdown, titled
from .report import Report
from .report_render import DELTA_FOREST_PNG, figure_names, report_markdown
from .result import Results
from .training_plot import training_curves_plot

MARKER = ".protsweep-results"
RESULTS_DIR = "results"
# results/ file name -> the Results table it holds
RESULT_TABLES = {
    "per_run.csv": "per_run",
    "summary.csv": "summary",
    "comparisons.csv": "comparisons",
    "coverage.csv": "coverage",
    "variants.csv": "variants",
    "splits.csv": "splits",
}


def replace_owned_dir(out: Path, fill: Callable[[Path], None]) -> Path:
    """Build the folder in a temporary sibling, then swap it in; refuse to replace a foreign folder."""
    out = out.absolute()
    if out.exists():
        if not out.is_dir():
            raise OutputDirError(f"{out}: exists and is not a directory")
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise OutputDirError(f"{out}: exists and was not written by protsweep; refusing to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        fill(tmp)
        (tmp / MARKER).write_text("written by protsweep; replaced as a whole on the next run\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    return out


FIGURES = ("forest.png", "roc_pr.png", "training_curves.png", CALIBRATION_PNG)


def write_plots(results: Results, forest: Path, roc_pr: Path, training: Path, reliability: Path) -> None:
    """The figures of one sweep; every title states the provenance (backbone init, dataset). The training
    curves and the reliability diagram only where histories and test predictions were read."""
    title = titled(results)
    styles = variant_styles(results.summary["variant"], results.baseline)  # one colour per variant, every figure
    forest_plot(results.summary, results.per_run, title, forest)
    roc_pr_plot(results.curves, results.baseline, results.prevalence, title, roc_pr, styles,
                ensemble_legend_stats(results.summary))
    if results.histories:
        training_curves_plot(results.histories, results.baseline, title, training, styles)
    if results.reliability:
        reliability_plot(results.reliability, results.baseline, title, reliability, styles)


def write_results(results: Results, out_dir: str | os.PathLike[str] | None = None, plots: bool = True) -> Path:
    """Write ``results/`` (default: ``<first dir>/results``); replaces only a folder it wrote before."""
    out = Path(out_dir) if out_dir is not None else results.dirs[0] / RESULTS_DIR

    def fill(tmp: Path) -> None:
        for name, attr in RESULT_TABLES.items():
            getattr(results, attr).to_csv(tmp / name, index=False)
        results.calibration.to_csv(tmp / CALIBRATION_CSV, index=False)
        calibration = calibration_markdown(results.calibration)
        summary = summary_markdown(results) + ("\n" + calibration if calibration else "")
        (tmp / "summary.md").write_text(summary, encoding="utf-8")
        (tmp / "summary.tex").write_text(summary_latex(results), encoding="utf-8")
        if plots:
            write_plots(results, *(tmp / f for f in FIGURES))

    return replace_owned_dir(out, fill)


def write_report(report: Report, out_dir: str | os.PathLike[str]) -> Path:
    """Write report.md, routes.csv, routes.tex, methods.md and the figures into ``out_dir`` (the report's own)."""

    def fill(tmp: Path) -> None:
        report.routes.to_csv(tmp / "routes.csv", index=False)
        (tmp / ROUTES_TEX).write_text(routes_latex(report), encoding="utf-8")
        (tmp / METHODS_MD).write_text(methods_paragraph(report) + "\n", encoding="utf-8")
        if not report.routes.empty:
            prov = "; ".join(f"{n}: {r.provenance.line()}" for n, r in report.sweeps if r.provenance is not None)
            delta_forest_plot(report.routes, tmp / DELTA_FOREST_PNG, f"ΔAUC per route — {prov}", report.margin_auc)
        for name, res in report.sweeps:
            write_plots(res, *(tmp / f for f in figure_names(name)))
        (tmp / "report.md").write_text(report_markdown(report), encoding="utf-8")

    return replace_owned_dir(Path(out_dir), fill)

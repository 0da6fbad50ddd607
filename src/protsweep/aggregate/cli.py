"""``protsweep-aggregate`` and ``protsweep-report``.

Errors a user can fix (no run directories, every job failed, test sets that differ, a baseline that
matches nothing) print one line to stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from protsweep.integrity.faults import disk_problem

from .api import aggregate
from .bootstrap import DEFAULT_N_BOOT
from .errors import AggregateError
from .output import RESULTS_DIR, write_report, write_results
from .render import console_summary
from .report import build_report
from .report_dir import DEFAULT_REPORT_ROOT, new_report_dir, point_latest
from .report_render import report_markdown
from .settings import is_setting, report_settings
from .stratified import aggregate_strata, spans_strata

EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dirs",
        nargs="+",
        metavar="DIR | report.KEY=VALUE",
        help="sweep directory (e.g. outputs/sweeps/head/<timestamp>), or any folder above run dirs; and report "
        "settings as in a sweep's config: report.margin_auc=0.02, report.min_class_count=5, "
        "report.exclude_degenerate=true",
    )
    parser.add_argument(
        "--baseline",
        action="append",
        metavar="KEY=VALUE",
        help="identify the baseline variant (repeatable); default: the sweep's ablation.baseline",
    )
    parser.add_argument(
        "--n-boot",
        type=int,
        default=DEFAULT_N_BOOT,
        help=f"stratified bootstrap resamples (default {DEFAULT_N_BOOT})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap generator (default 0)")
    parser.add_argument(
        "--ignore-key",
        action="append",
        default=[],
        metavar="KEY",
        help="config key (dotted) that, like the seed, never distinguishes variants (repeatable)",
    )
    # The earlier spellings of report.min_class_count, report.exclude_degenerate, report.margin_auc (hidden).
    parser.add_argument("--min-class-count", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--exclude-degenerate", action="store_true", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--margin-auc", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")


def _settle(a: argparse.Namespace) -> None:
    """Split the positional items into directories and ``report.*`` settings; the settings (after the hidden
    flags) become ``a.report``."""
    flags = {"min_class_count": a.min_class_count, "exclude_degenerate": a.exclude_degenerate,
             "margin_auc": a.margin_auc}
    items = [d for d in a.dirs if is_setting(d)]
    a.dirs = [d for d in a.dirs if not is_setting(d)]
    a.report = report_settings(items, {k: v for k, v in flags.items() if v is not None})
    if not a.dirs:
        raise AggregateError("no sweep directory given")


def _options(a: argparse.Namespace) -> dict[str, Any]:
    """The options both commands pass on to ``aggregate()``."""
    return {"n_boot": a.n_boot, "seed": a.seed, "ignore_keys": a.ignore_key, **a.report}


def _run(prog: str, body: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        _settle(args)
    except AggregateError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.n_boot < 1:
        print(f"{prog}: --n-boot must be positive", file=sys.stderr)
        return EXIT_USER_ERROR
    if not 0.0 < args.report["margin_auc"] < 1.0:
        print(f"{prog}: report.margin_auc must lie in (0, 1), got {args.report['margin_auc']}", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.n_boot < DEFAULT_N_BOOT:
        print(
            f"{prog}: note: {args.n_boot} resamples (< {DEFAULT_N_BOOT}); intervals are rougher",
            file=sys.stderr,
        )
    try:
        return body(args)
    except AggregateError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:
        if args.debug:
            raise
        problem = disk_problem(exc)
        if problem is not None:  # a full or read-only disk is the user's to fix, not an internal error
            print(f"{prog}: error: {problem}; nothing already written was changed", file=sys.stderr)
            return EXIT_USER_ERROR
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR


def aggregate_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="protsweep-aggregate",
        description="Aggregate the run records of one or more sweep directories (pooled): per-seed and "
        "ensemble AUC/AUPRC with bootstrap CIs, paired tests against the baseline, Holm. "
        "Works on partial and failed sweeps.",
    )
    _common(parser)
    parser.add_argument(
        "--out", metavar="DIR", help="results folder (default: <first DIR>/results); replaced as a whole"
    )
    parser.add_argument("--no-plots", action="store_true", help="skip forest.png and roc_pr.png")
    parser.add_argument("--no-write", action="store_true", help="print the table only, write nothing")
    args = parser.parse_args(argv)

    def body(a: argparse.Namespace) -> int:
        if spans_strata(a.dirs):  # several data sets or split kinds: one table each, then the pooled report
            out_dir = None if a.no_write else Path(a.out) if a.out else Path(a.dirs[0]) / RESULTS_DIR
            text, out = aggregate_strata(a.dirs, out_dir, plots=not a.no_plots, baseline=a.baseline, **_options(a))
            print(text)
            if out is not None:
                print(f"\nresults (one folder per stratum, report/ pools them): {out}")
            return 0
        results = aggregate(a.dirs, baseline=a.baseline, **_options(a))
        print(console_summary(results))
        if not a.no_write:
            out = write_results(results, a.out, plots=not a.no_plots)
            print(f"\nresults: {out}")
        return 0

    return _run(parser.prog, body, args)


def report_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="protsweep-report",
        description="Conclusion report across sweeps (e.g. every route's sweep, or the routes master sweep): "
        "per route Δ vs baseline with CI, Holm-adjusted p, a verdict, the best configuration. "
        "Each DIR is aggregated on its own, with its own baseline.",
    )
    _common(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help=f"report folder, replaced as a whole (default: a new folder {DEFAULT_REPORT_ROOT}/<UTC time>_<inputs "
        f"hash>, never an earlier report's; {DEFAULT_REPORT_ROOT}/latest then leads to it)",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level after Holm (default 0.05)")
    parser.add_argument(
        "--no-reference", action="store_true", help="do not print the reference numbers from the runs' config"
    )
    args = parser.parse_args(argv)

    def body(a: argparse.Namespace) -> int:
        rep = build_report(a.dirs, baseline=a.baseline, alpha=a.alpha, show_reference=not a.no_reference, **_options(a))
        if a.out is not None:
            out = write_report(rep, a.out)
        else:
            out = new_report_dir(DEFAULT_REPORT_ROOT, a.dirs)
            try:
                write_report(rep, out)
            except BaseException:
                if out.is_dir() and not any(out.iterdir()):
                    out.rmdir()  # the empty folder reserved for this report
                raise
            point_latest(DEFAULT_REPORT_ROOT, out)
        print(report_markdown(rep))
        print(f"\nreport: {out / 'report.md'}")
        for d, why in rep.failed:
            print(f"protsweep-report: not aggregated: {d}: {why}", file=sys.stderr)
        return 1 if rep.failed else 0  # a directory left out is a failure of the command

    return _run(parser.prog, body, args)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m protsweep.aggregate.cli [aggregate|report] ...`` (aggregate when no command is given)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "report":
        return report_main(args[1:])
    if args and args[0] == "aggregate":
        args = args[1:]
    return aggregate_main(args)


if __name__ == "__main__":
    sys.exit(main())

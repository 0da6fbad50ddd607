"""Issue 19 point 4: the conclusion says only what the numbers carry — a collapsed route never crashes a
command and never counts towards the ceiling, the gap-to-target column is filled, no absolute path in any
written table or caption."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protsweep.aggregate import build_report
from protsweep.aggregate.cli import aggregate_main, report_main
from protsweep.aggregate.conclusion import verdict_lines
from protsweep.aggregate.report import Report
from protsweep.aggregate.report_render import reference_table
from protsweep.aggregate.verdict import EQUIVALENT, UNDECIDED

from .runrecords import BASE_CONFIG, HEADS, make_head_sweep, synthetic_labels, write_run
from .test_verdict import _routes


def _collapsed_sweep(root: Path) -> Path:
    """The baseline trains; every seed of head=wide predicts the constant 0.257 (as in the issue)."""
    sweep = make_head_sweep(root, effects={"default": 1.6}, seeds=[0, 1, 2])
    y = synthetic_labels(300)
    cfg = json.loads(json.dumps(BASE_CONFIG))
    cfg["head"] = HEADS["wide"]
    for s in (0, 1, 2):
        write_run(sweep, ["sweep=head", "head=wide", f"seed={s}"], seed=s, test_probs=np.full(y.size, 0.257),
                  test_labels=y, config=cfg)
    return sweep


def test_a_collapsed_route_does_not_crash_and_is_not_evidence_for_the_ceiling(tmp_path: Path) -> None:
    sweep = _collapsed_sweep(tmp_path)
    assert aggregate_main([str(sweep), "--n-boot", "200"]) == 0
    out = tmp_path / "report"
    assert report_main([str(sweep), "--out", str(out), "--n-boot", "200"]) == 0
    routes = pd.read_csv(out / "routes.csv")
    assert bool(routes.loc[0, "collapsed"]) and routes.loc[0, "n_degenerate"] == 3
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "looks like the ceiling" not in md
    assert "**Degenerate**" in md and "head: head=wide" in md.split("**Degenerate**")[1].splitlines()[0]


def test_gap_to_target_is_filled_in_the_reference_table(tmp_path: Path) -> None:
    """Defect 6: ``reference_table`` called ``measured_row`` without the reference: always "—"."""
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2], config_update={"reference": {"target": 0.952}})
    rep = build_report([sweep], n_boot=200)
    table = reference_table(rep)
    measured = table[table[""].str.startswith("measured")]
    base = rep.sweeps[0][1].summary.query("baseline").iloc[0]
    assert f"{0.952 - base['auc_mean']:+.4f}" in measured["gap to target"].iloc[0]
    assert all(v not in ("", "—") for v in measured["gap to target"])


@pytest.mark.parametrize("source", ["/abs/secret/place/hemolysis.csv"])
def test_no_absolute_path_in_any_written_table_or_caption(tmp_path: Path, source: str) -> None:
    """Defect 7: routes.tex's caption carried the absolute path of the data file (run.json data.source)."""
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2], info_extra={"data": {"source": source}})
    out = tmp_path / "report"
    assert report_main([str(sweep.resolve()), "--out", str(out), "--n-boot", "200"]) == 0
    written = [p for p in out.rglob("*") if p.suffix in (".md", ".tex", ".csv")]
    assert written
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert "/abs/secret" not in text, path.name
        # a relative path ("../../tmp/...") is fine; an absolute one is not
        assert not re.search(r"(?<!\.\.)" + re.escape(str(tmp_path.resolve())), text), path.name
    assert "hemolysis.csv" in (out / "routes.tex").read_text(encoding="utf-8")


def test_error_bars_are_never_negative() -> None:
    """Defect 2: the constant ensemble's AUPRC bootstrap upper limit (0.2570000000000002) lay below its point
    estimate (0.25700000000000056); matplotlib refused the negative error bar and the command crashed."""
    from protsweep.aggregate.plots import _err

    err = _err(0.25700000000000056, 0.2570000000000002, 0.2570000000000002)
    assert err is not None and min(err[0][0], err[1][0]) >= 0.0
    assert _err(0.5, 0.4, 0.7) == [[pytest.approx(0.1)], [pytest.approx(0.2)]]


def test_equivalence_line_quotes_the_tost_p() -> None:
    """Defect 5: the equivalence line quotes the TOST p that backs it, not the difference test's."""
    routes = _routes([EQUIVALENT])
    routes["p_tost_auc_holm"] = [0.0123]
    text = "\n".join(verdict_lines(Report(routes, [], [], None, 0.05, None, 0.01)))
    assert "TOST p Holm 0.012" in text and "p Holm 0.900" not in text


@pytest.mark.parametrize(("var_shared", "component"), [(0.01**2, "the test set"), (0.0, "the seed variance")])
def test_infinite_seeds_names_the_component(var_shared: float, component: str) -> None:
    """Defect 1: "∞" blamed the test set also when its estimated variance was 0 and the seeds needed more
    than the cap."""
    routes = _routes([UNDECIDED], [0.5])
    routes["seeds_needed_auc"] = [math.inf]
    routes["var_shared_auc"] = [var_shared]
    text = "\n".join(verdict_lines(Report(routes, [], [], None, 0.05, None, 0.01)))
    assert f"what needs more is {component}" in text
    assert ("test set" in text) is (component == "the test set")

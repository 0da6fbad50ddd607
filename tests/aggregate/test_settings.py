"""Report settings have one syntax: report.KEY=VALUE, in a sweep's config and on protsweep-report /
protsweep-aggregate's command line; bad ones are one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from protsweep.aggregate.cli import aggregate_main, report_main
from protsweep.aggregate.errors import AggregateError
from protsweep.aggregate.settings import report_settings

from .runrecords import make_head_sweep


def test_settings_follow_the_schema() -> None:
    assert report_settings() == {"margin_auc": 0.01, "min_class_count": 10, "exclude_degenerate": False}
    got = report_settings(["report.margin_auc=0.02", "report.exclude_degenerate=true"], {"min_class_count": 5})
    assert got == {"margin_auc": 0.02, "min_class_count": 5, "exclude_degenerate": True}


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ("report.margin=0.02", "no such report setting"),
        ("report.min_class_count=abc", "bad report setting"),
        ("report.exclude_degenerate=sometimes", "bad report setting"),
    ],
)
def test_bad_settings_are_one_line(item: str, says: str) -> None:
    with pytest.raises(AggregateError, match=says):
        report_settings([item])


@pytest.mark.parametrize("main", [aggregate_main, report_main])
def test_both_commands_take_report_keys(main, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2])
    out = tmp_path / "out"
    assert main([str(sweep), "report.margin_auc=0.03", "--n-boot", "200", "--out", str(out)]) == 0
    written = (out / ("report.md" if main is report_main else "summary.md")).read_text()
    assert "±0.03" in written and "±0.01" not in written
    capsys.readouterr()
    assert main([str(sweep), "report.margin_auc=abc", "--n-boot", "200", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "report" in err[0] and "Traceback" not in err[0]

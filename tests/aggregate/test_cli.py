"""protsweep-aggregate / protsweep-report: exit codes, one-line errors, the files written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from protsweep.aggregate.cli import aggregate_main, main, report_main

from .runrecords import make_head_sweep

SRC = Path(__file__).resolve().parents[2] / "src"


def _subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "protsweep.aggregate.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_cli_subprocess_on_a_partial_sweep(tmp_path: Path) -> None:
    sweep = make_head_sweep(
        tmp_path,
        seeds=[0, 1, 2],
        fail=lambda head, seed: "ValueError: shapes differ" if (head, seed) == ("two_layer", 1) else None,
    )
    proc = _subprocess([str(sweep), "--n-boot", "300"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "| head=default (baseline)" in proc.stdout and "★" in proc.stdout
    results = sweep / "results"
    for name in ("per_run.csv", "summary.csv", "summary.md", "summary.tex", "forest.png", "roc_pr.png"):
        assert (results / name).is_file(), name
    cov = pd.read_csv(results / "coverage.csv", dtype=str).set_index("variant")
    assert str(cov.loc["head=two_layer", "seeds_failed"]) == "1"
    assert "ValueError: shapes differ" in cov.loc["head=two_layer", "errors"]


def _assert_one_line_error(capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if not line.startswith("protsweep-aggregate: note:")]
    assert len(errors) == 1, err
    assert "Traceback" not in errors[0]
    for fragment in fragments:
        assert fragment in errors[0]


def test_every_job_failed_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1], fail=lambda head, seed: "OSError: disk full")
    assert aggregate_main([str(sweep)]) == 2
    _assert_one_line_error(capsys, "no completed runs", "4 failed", "OSError: disk full")
    assert not (sweep / "results").exists()


def test_no_run_dirs_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert aggregate_main([str(tmp_path)]) == 2
    _assert_one_line_error(capsys, "no run directories under", str(tmp_path))
    assert aggregate_main([str(tmp_path / "missing")]) == 2
    _assert_one_line_error(capsys, "no such directory")


def test_test_set_mismatch_exits_2_naming_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = make_head_sweep(tmp_path / "a", seeds=[0, 1], n=200)
    b = make_head_sweep(tmp_path / "b", seeds=[2], n=150)
    assert aggregate_main([str(a), str(b), "--n-boot", "100"]) == 2
    _assert_one_line_error(capsys, "test sets differ", "seed=2", "ids differ")


def test_bad_baseline_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    assert aggregate_main([str(sweep), "--baseline", "head=nope", "--n-boot", "100"]) == 2
    _assert_one_line_error(capsys, "matches no variant", "head=default", "head=two_layer")
    assert aggregate_main([str(sweep), "--baseline", "head", "--n-boot", "100"]) == 2
    _assert_one_line_error(capsys, "expected key=value")


def test_baseline_option_and_out_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2])
    out = tmp_path / "elsewhere"
    code = aggregate_main(
        [str(sweep), "--baseline", "head=two_layer", "--out", str(out), "--n-boot", "200", "--no-plots"]
    )
    assert code == 0
    assert "| head=two_layer (baseline)" in capsys.readouterr().out
    assert pd.read_csv(out / "summary.csv")["variant"].iloc[0] == "head=two_layer"
    assert not (out / "forest.png").exists() and not (sweep / "results").exists()


def test_no_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    assert main(["aggregate", str(sweep), "--no-write", "--n-boot", "100"]) == 0
    assert "head=two_layer" in capsys.readouterr().out
    assert not (sweep / "results").exists()


def test_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gain = make_head_sweep(tmp_path / "gain", effects={"default": 1.6, "two_layer": 2.4})
    flat = make_head_sweep(tmp_path / "flat", effects={"default": 1.6, "wide": 1.6})
    broken = make_head_sweep(tmp_path / "broken", seeds=[0], fail=lambda head, seed: "KeyError: 'x'")
    out = tmp_path / "report"
    code = report_main([str(gain), str(flat), str(broken), "--out", str(out), "--n-boot", "300"])
    assert code == 1  # the report is written, but a directory could not be aggregated
    captured = capsys.readouterr()
    assert "not aggregated" in captured.err and "KeyError" in captured.err
    md = (out / "report.md").read_text()
    assert "## Verdict per route" in md and "## Verdict per route" in captured.out
    # issue 9: verdicts better / worse / equivalent / undecided; the same-effect route is not "no difference"
    assert "**Better than the baseline**" in md and "**Undecided**" in md
    assert "Best configuration** (chosen on seed-mean validation AUC)" in md and "head=two_layer" in md
    assert "Exp5 / Exp8 (earlier notebooks)" in md and "0.8809" in md and "0.6009" in md
    routes = pd.read_csv(out / "routes.csv")
    assert len(routes) == 2 and set(routes["verdict"]) == {"better", "undecided"}
    assert "\\begin{tabular}" in (out / "routes.tex").read_text() and "DeLong" in (out / "methods.md").read_text()
    assert (out / "delta_forest.png").is_file()
    assert len(list(out.glob("forest_*.png"))) == 2 and len(list(out.glob("roc_pr_*.png"))) == 2


def test_report_of_nothing_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = make_head_sweep(tmp_path, seeds=[0], fail=lambda head, seed: "KeyError: 'x'")
    assert report_main([str(broken), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("protsweep-report: nothing to report") and "Traceback" not in err


def test_reports_never_replace_each_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 25: reports without --out land in folders of their own; outputs/report/latest leads to the last."""
    first = make_head_sweep(tmp_path / "first", effects={"default": 1.6, "two_layer": 2.4})
    second = make_head_sweep(tmp_path / "second", effects={"default": 1.6, "wide": 1.6})
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    printed = []
    for sweep in (first, second, second):  # the same inputs twice, likely in the same second: still a new folder
        assert report_main([str(sweep), "--n-boot", "100"]) == 0
        line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("report: ")][-1]
        printed.append((work / line.removeprefix("report: ")).resolve().parent)
    root = (work / "outputs" / "report").resolve()
    folders = {p.resolve() for p in root.iterdir() if p.is_dir() and not p.is_symlink()}
    assert folders == set(printed) and len(folders) == 3
    assert "head=two_layer" in (printed[0] / "report.md").read_text()  # the first report is still there
    assert "head=two_layer" not in (printed[2] / "report.md").read_text()
    latest = root / "latest"
    assert latest.is_symlink() and latest.resolve() == printed[2]

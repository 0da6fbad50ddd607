"""Discovery and loading of run records; expected jobs from multirun.yaml; variants, labels, baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser

from protsweep.aggregate.baseline import matches_baseline, parse_baseline
from protsweep.aggregate.errors import BaselineError, NoRunsError
from protsweep.aggregate.expected import expected_jobs
from protsweep.aggregate.grouping import group_runs
from protsweep.aggregate.records import (
    COMPLETED,
    CORRUPT,
    FAILED,
    INCOMPLETE,
    discover_run_dirs,
    load_run,
)

from .runrecords import BASE_CONFIG, HEADS, make_head_sweep, synthetic_labels, write_multirun, write_run


def test_discovery_finds_jobs_and_skips_results(head_sweep: Path) -> None:
    (head_sweep / "results" / "fake" / ".hydra").mkdir(parents=True)
    (head_sweep / "results" / "fake" / ".hydra" / "config.yaml").write_text("seed: 1\n")
    found = discover_run_dirs([head_sweep.parent])  # a folder above the sweep dir works too
    assert len(found) == 10
    assert all("results" not in p.parts for p in found)


def test_discovery_errors(tmp_path: Path) -> None:
    with pytest.raises(NoRunsError, match="no such directory"):
        discover_run_dirs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoRunsError, match="no run directories under"):
        discover_run_dirs([tmp_path / "empty"])


def test_load_statuses(tmp_path: Path) -> None:
    y = synthetic_labels(50)
    p = np.linspace(0, 1, 50)
    ok = load_run(write_run(tmp_path, ["head=default", "seed=0"], seed=0, test_probs=p, test_labels=y))
    assert ok.status == COMPLETED and ok.usable and ok.seed == 0
    assert ok.test is not None and list(ok.test.ids) == sorted(ok.test.ids)  # aligned by id
    failed = load_run(
        write_run(
            tmp_path,
            ["head=default", "seed=1"],
            seed=1,
            test_probs=None,
            test_labels=y,
            status="failed",
            error="ValueError: bad shape",
        )
    )
    assert failed.status == FAILED and failed.error == "ValueError: bad shape"
    running = load_run(
        write_run(
            tmp_path, ["head=default", "seed=2"], seed=2, test_probs=None, test_labels=y, status="running"
        )
    )
    assert running.status == INCOMPLETE and "running" in running.error
    corrupt = load_run(
        write_run(
            tmp_path, ["head=default", "seed=3"], seed=3, test_probs=p, test_labels=y, corrupt_metrics=True
        )
    )
    assert corrupt.status == CORRUPT and "metrics.json unreadable" in corrupt.error
    no_pred = load_run(
        write_run(
            tmp_path, ["head=default", "seed=4"], seed=4, test_probs=p, test_labels=y, drop_predictions=True
        )
    )
    assert no_pred.status == CORRUPT and no_pred.error == "predictions.csv missing"
    bare = tmp_path / "bare"
    (bare / ".hydra").mkdir(parents=True)
    (bare / ".hydra" / "config.yaml").write_text("seed: 5\n")
    started = load_run(bare)
    assert started.status == INCOMPLETE and "no run.json" in started.error and started.seed == 5


def test_nan_probabilities_make_a_run_unusable(tmp_path: Path) -> None:
    y = synthetic_labels(50)
    p = np.linspace(0, 1, 50)
    run = write_run(tmp_path, ["seed=0"], seed=0, test_probs=p, test_labels=y)
    text = (run / "predictions.csv").read_text().splitlines()
    idx = next(i for i, line in enumerate(text) if line.startswith("test,"))
    parts = text[idx].split(",")
    parts[4] = ""
    text[idx] = ",".join(parts)
    (run / "predictions.csv").write_text("\n".join(text) + "\n")
    rec = load_run(run)
    assert rec.status == CORRUPT and "prob" in rec.error


def test_expected_jobs_mirror_hydras_basic_sweeper(tmp_path: Path) -> None:
    params = {"head": "default,two_layer"}
    task = ["sweep=head", "seed=range(3)", "trainer.epochs=2"]
    write_multirun(tmp_path, task, params)
    jobs = expected_jobs(tmp_path)
    args = [f"{k}={v}" for k, v in params.items()] + task
    hydra_jobs = BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(args), None)[0]
    assert jobs == hydra_jobs
    assert len(jobs) == 6 and ["head=default", "sweep=head", "seed=0", "trainer.epochs=2"] in jobs


def test_expected_jobs_unknown_without_multirun(tmp_path: Path) -> None:
    assert expected_jobs(tmp_path) is None


def _runs(sweep: Path):
    return [load_run(p) for p in discover_run_dirs([sweep])]


def test_variants_are_labelled_by_the_differing_overrides(head_sweep: Path) -> None:
    variants = group_runs(_runs(head_sweep), [])
    assert sorted(v.label for v in variants) == ["head=default", "head=two_layer"]
    assert all(len(v.runs) == 5 for v in variants)


def test_output_only_keys_do_not_split_variants(tmp_path: Path) -> None:
    y = synthetic_labels(40)
    for s, (ablation, overwrite) in enumerate([("head", False), ("lr", True)]):
        cfg = json.loads(json.dumps(BASE_CONFIG))
        cfg["ablation"]["name"] = ablation
        cfg["overwrite"] = overwrite
        write_run(
            tmp_path,
            [f"sweep={ablation}", f"seed={s}"],
            seed=s,
            test_probs=np.linspace(0, 1, 40),
            test_labels=y,
            config=cfg,
            subdir=f"job{s}",
        )
    variants = group_runs(_runs(tmp_path), [])
    assert len(variants) == 1
    # `sweep=` differs within the variant, so it does not label it.
    assert variants[0].label == "(defaults)"


def test_variants_told_apart_by_config_when_overrides_do_not(tmp_path: Path) -> None:
    y = synthetic_labels(40)
    for s, head in enumerate(["default", "wide"]):
        cfg = json.loads(json.dumps(BASE_CONFIG))
        cfg["head"] = HEADS[head]
        write_run(
            tmp_path,
            [f"seed={s}"],
            seed=s,
            test_probs=np.linspace(0, 1, 40),
            test_labels=y,
            config=cfg,
            subdir=f"job{s}",
        )
    labels = sorted(v.label for v in group_runs(_runs(tmp_path), []))
    assert labels == ["head.hidden=0,head.name=default", "head.hidden=512,head.name=wide"]


def test_baseline_matching(head_sweep: Path) -> None:
    variants = group_runs(_runs(head_sweep), [])
    by_label = {v.label: v for v in variants}
    assert matches_baseline(by_label["head=default"], {"head": "default"})
    assert not matches_baseline(by_label["head=two_layer"], {"head": "default"})
    # Config values match numerically: 1e-3 is trainer.lr 0.001.
    assert matches_baseline(by_label["head=default"], parse_baseline(["head=default", "trainer.lr=1e-3"]))
    assert matches_baseline(by_label["head=two_layer"], {"head.hidden": 64})
    with pytest.raises(BaselineError, match="expected key=value"):
        parse_baseline(["head"])


def test_missing_jobs_join_their_variant(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, skip=lambda head, seed: head == "two_layer" and seed == 4)
    jobs = expected_jobs(sweep)
    assert jobs is not None and len(jobs) == 10
    variants = group_runs(_runs(sweep), [["sweep=head", "head=two_layer", "seed=4"]])
    two = next(v for v in variants if v.label == "head=two_layer")
    assert two.missing_jobs == [["sweep=head", "head=two_layer", "seed=4"]]


def test_set_aside_records_are_not_discovered(head_sweep: Path) -> None:
    job = head_sweep / "head=default,seed=0"
    aside = job / "replaced-20261121T060000000000"
    aside.mkdir()
    (aside / "run.json").write_text((job / "run.json").read_text())
    sibling = head_sweep / "replaced-20261121T060000000000" / "old"
    (sibling / ".hydra").mkdir(parents=True)
    (sibling / ".hydra" / "config.yaml").write_text("seed: 0\n")
    assert len(discover_run_dirs([head_sweep])) == 10


def test_ignore_keys(tmp_path: Path) -> None:
    y = synthetic_labels(40)
    for s in range(2):
        cfg = json.loads(json.dumps(BASE_CONFIG))
        cfg["paths"]["cache_dir"] = f"/scratch/job{s}"  # output-only (the key policy): never splits variants
        cfg["paths"]["shared_data"] = f"/data/copy{s}"  # a result key: splits them unless ignored
        write_run(
            tmp_path,
            [f"seed={s}"],
            seed=s,
            test_probs=np.linspace(0, 1, 40),
            test_labels=y,
            config=cfg,
            subdir=f"job{s}",
        )
    assert len(group_runs(_runs(tmp_path), [])) == 2
    assert (
        len(group_runs(_runs(tmp_path), [], ("seed", "overwrite", "ablation", "reference", "hydra", "paths")))
        == 1
    )


def test_a_variant_no_key_tells_apart_is_named_after_the_ablation(tmp_path: Path) -> None:
    """issue 25: a sweep whose one variant differs in nothing but shared overrides was labelled
    ``model=proteinbert_ti…ainer.epochs_full=1``; it is now the ablation's name."""
    y = synthetic_labels(40)
    shared = ["model=proteinbert_tiny", "data.limit=200", "trainer.epochs_frozen=1", "trainer.epochs_full=1"]
    for s in range(2):
        cfg = json.loads(json.dumps(BASE_CONFIG))
        cfg["ablation"] = {"name": "adhoc"}
        write_run(tmp_path, [*shared, f"seed={s}"], seed=s, test_probs=np.linspace(0, 1, 40), test_labels=y,
                  config=cfg, subdir=f"job{s}")
    variants = group_runs(_runs(tmp_path), [])
    assert [v.label for v in variants] == ["adhoc"]

"""The Hydra callback: on its own, and inside a real Hydra multirun of a tiny app."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from protsweep.aggregate.callback import AggregateOnMultirunEnd

from .runrecords import make_head_sweep

SRC = Path(__file__).resolve().parents[2] / "src"


def test_writes_results_and_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1, 2])
    cb = AggregateOnMultirunEnd(n_boot=200)
    cb.on_multirun_end(OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
    assert (sweep / "results" / "summary.md").is_file()
    assert "| head=default (baseline)" in capsys.readouterr().out


def test_reads_min_class_count_from_the_sweep_config(tmp_path: Path) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0, 1])
    cb = AggregateOnMultirunEnd(n_boot=100, plots=False)
    predictions = pd.read_csv(sweep / "head=default,seed=0" / "predictions.csv")
    n_pos = int(predictions.loc[predictions["split"] == "test", "label"].sum())
    config = {"hydra": {"sweep": {"dir": str(sweep)}}, "report": {"min_class_count": n_pos + 1}}
    cb.on_multirun_end(OmegaConf.create(config))
    assert f"small test split: {n_pos} positive(s)" in (sweep / "results" / "summary.md").read_text()
    config["report"]["min_class_count"] = n_pos
    cb.on_multirun_end(OmegaConf.create(config))
    assert "small test split" not in (sweep / "results" / "summary.md").read_text()


def test_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sweep = make_head_sweep(tmp_path, seeds=[0], fail=lambda head, seed: "RuntimeError: boom")
    cb = AggregateOnMultirunEnd(n_boot=100)
    with caplog.at_level(logging.WARNING):
        cb.on_multirun_end(OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
        cb.on_multirun_end(OmegaConf.create({"no_hydra": 1}))
    messages = [r.getMessage() for r in caplog.records]
    assert any("no completed runs" in m and "RuntimeError: boom" in m for m in messages)
    assert any("protsweep aggregate failed" in m for m in messages)


APP = """
import json, os
import numpy as np
import hydra
from hydra.core.hydra_config import HydraConfig
from sklearn.metrics import roc_auc_score, average_precision_score

@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg):
    out = HydraConfig.get().runtime.output_dir
    rng = np.random.default_rng(7)
    y = (rng.random(200) < 0.3).astype(int)
    own = np.random.default_rng(cfg.seed).normal(size=200)
    z = (1.0 + cfg.head.hidden / 64) * y + rng.normal(size=200) + own
    p = 1 / (1 + np.exp(-z))
    rows = ["split,id,sequence,label,prob"] + [f"test,x{i},AC,{y[i]},{float(p[i])!r}" for i in range(200)]
    open(os.path.join(out, "predictions.csv"), "w").write("\\n".join(rows) + "\\n")
    m = {"test": {"auc": roc_auc_score(y, p), "auprc": average_precision_score(y, p), "n": 200,
                  "pos_rate": float(y.mean())}, "valid": {}, "best_epoch": 1, "epochs_run": 1}
    json.dump(m, open(os.path.join(out, "metrics.json"), "w"))
    json.dump({"status": "completed", "seed": cfg.seed}, open(os.path.join(out, "run.json"), "w"))

if __name__ == "__main__":
    main()
"""

CONFIG = """
defaults:
  - head: default
  - _self_
seed: 0
ablation: {name: head, factor: head, baseline: {head: default}}
hydra:
  sweep:
    dir: sweeps/head
    subdir: ${hydra.job.override_dirname}
  callbacks:
    aggregate:
      _target_: protsweep.aggregate.callback.AggregateOnMultirunEnd
      n_boot: 200
"""


def test_inside_a_real_hydra_multirun(tmp_path: Path) -> None:
    (tmp_path / "conf" / "head").mkdir(parents=True)
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / "conf" / "config.yaml").write_text(CONFIG)
    (tmp_path / "conf" / "head" / "default.yaml").write_text("name: default\nhidden: 0\n")
    (tmp_path / "conf" / "head" / "two_layer.yaml").write_text("name: two_layer\nhidden: 64\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "app.py", "-m", "head=default,two_layer", "seed=0,1,2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| head=default (baseline)" in proc.stdout
    summary = pd.read_csv(tmp_path / "sweeps" / "head" / "results" / "summary.csv")
    assert list(summary["variant"]) == ["head=default", "head=two_layer"]
    assert list(summary["n_seeds"]) == [3, 3] and list(summary["n_expected"]) == [3, 3]
    assert summary.loc[1, "delta_auc"] > 0
    # Hydra's own multirun.yaml and overrides.yaml: every expected job is found, none reported missing.
    coverage = pd.read_csv(tmp_path / "sweeps" / "head" / "results" / "coverage.csv", dtype=str)
    assert coverage["seeds_missing"].isna().all()
    assert list(coverage["seeds_expected"]) == ["0,1,2", "0,1,2"]

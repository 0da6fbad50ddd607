"""Relaunching a finished sweep with only output-only keys changed (the key policy) trains nothing, writes no
new job folder, rewrites no record, and still produces the verdict; changing only report.margin_auc re-judges
the sweep with the new margin."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import TINY_RUN

SWEEP = """# @package _global_
hydra:
  mode: MULTIRUN
  sweeper:
    params:
      head: default,two_layer
      seed: 0,1
ablation:
  name: rejudge
  factor: head
  baseline: {head: default}
"""

#: Each relaunch changes one output-only key (or group of them) and nothing else.
CHANGES = [
    ("report.margin_auc=0.02",),
    ("save_model=false",),
    ("progress=never",),
    ("logger=tensorboard",),
    ("resources.threads=1",),
    ("paths.cache_dir=elsewhere",),
    ("+reference.target=0.9",),
    ("report.margin_auc=0.03", "report.min_class_count=5", "progress=always", "resources.threads=2"),
]


def records(sweep: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(sweep.glob("*/run.json"))}


@pytest.mark.slow
def test_relaunch_with_output_only_keys_trains_nothing(cli, tmp_path: Path) -> None:
    conf = tmp_path / "conf" / "sweep"
    conf.mkdir(parents=True)
    (conf / "rejudge.yaml").write_text(SWEEP)
    sweep = tmp_path / "sweep"
    args = ["--config-dir", str(tmp_path / "conf"), "sweep=rejudge", *TINY_RUN, "data.limit=200",
            f"hydra.sweep.dir={sweep}"]
    first = cli(args, cwd=tmp_path, timeout=900)
    assert first.returncode == 0, first.stderr[-2000:]
    before = records(sweep)
    assert len(before) == 4
    folders = sorted(p.name for p in sweep.iterdir())
    assert "(±0.01 AUC margin" in (sweep / "results" / "summary.md").read_text()
    for change in CHANGES:
        again = cli([*args, *change], cwd=tmp_path, timeout=600)
        assert again.returncode == 0, (change, again.stderr[-2000:])
        assert "Traceback" not in again.stderr
        assert sorted(p.name for p in sweep.iterdir()) == folders, change  # no new job folder
        assert records(sweep) == before, change  # nothing trained, no record rewritten
        summary = (sweep / "results" / "summary.md").read_text()
        assert "recorded config differs" not in summary and "2/2" in summary
        margin = next((c.split("=")[1] for c in change if c.startswith("report.margin_auc=")), "0.01")
        assert f"(±{margin} AUC margin" in summary, change  # the verdict, under the new margin

    # a sweep folder holds one sweep: a changed override, split or job set is refused as a whole, before any
    # job starts, and nothing is written (not even multirun.yaml)
    saved = (sweep / "multirun.yaml").read_bytes()
    for change, why in [
        (("trainer.lr_frozen=0.02",), "another config: trainer.lr_frozen"),
        (("data.split_seed=3",), "another config: data.split_seed"),
        (("hydra.sweeper.params.seed='0,1,2'",), "other jobs: 0 of its jobs not in this launch, 2 new"),
    ]:
        refused = cli([*args, *change], cwd=tmp_path, timeout=600)
        lines = [row for row in refused.stderr.splitlines() if row.startswith("protsweep: ")]
        assert refused.returncode == 1 and len(lines) == 1, (change, refused.stderr[-2000:])
        assert f"{sweep} holds another sweep ({why}" in lines[0] and "overwrite=true" in lines[0], lines
        assert "Traceback" not in refused.stderr
        assert sorted(p.name for p in sweep.iterdir()) == folders and records(sweep) == before
        assert (sweep / "multirun.yaml").read_bytes() == saved

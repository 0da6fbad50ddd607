"""issue 25, point 9: a key swept only on the command line keeps its value readable in a long job folder name.

``job_dirname`` knew only the sweeper's params (sweep files); ``protsweep -m head=default,two_layer ...`` swept
``head`` where it could not see it, so a long name hashed it with the shared overrides. The keys now also come
from the ``multirun.yaml`` that Hydra's sweeper saves in the sweep folder before launching any job. Checked
here with real Hydra multiruns (basic, joblib and submitit_local launchers) of a task that does nothing, with
protsweep's own ``hydra.sweep.subdir`` line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from protsweep import resolvers
from protsweep.schema import config_dir

SHARED = [f"+trainer.some_long_setting_{i}=value_number_{i}" for i in range(12)]  # about 400 characters


def _tiny_app(root: Path, sweep_dir: Path) -> None:
    subdir = yaml.safe_load((config_dir() / "hydra" / "protsweep.yaml").read_text())["sweep"]["subdir"]
    config = {
        "seed": 0,
        "head": "default",
        "trainer": {"lr": 0.001},
        "hydra": {"sweep": {"dir": str(sweep_dir), "subdir": subdir}, "output_subdir": None,
                  "job": {"chdir": False}},
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (root / "tinyapp.py").write_text(textwrap.dedent(f"""
        import hydra
        from protsweep.resolvers import register_resolvers

        register_resolvers()  # at import: a joblib worker imports this module to unpickle the task


        @hydra.main(version_base="1.3", config_path={str(root)!r}, config_name="config")
        def main(cfg):
            return None
    """), encoding="utf-8")


def _multirun(tmp_path: Path, *args: str) -> list[str]:
    sweep_dir = tmp_path / "sweep"
    _tiny_app(tmp_path, sweep_dir)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-c", "import tinyapp; tinyapp.main()", "-m", *args]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return sorted(p.name for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))  # .submitit


LAUNCHERS = {
    "basic": [],
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5"],
}


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_a_command_line_swept_key_keeps_its_value_in_long_folder_names(tmp_path: Path, launcher: str) -> None:
    extra = LAUNCHERS[launcher]
    names = _multirun(tmp_path, "head=default,two_layer", "seed=range(2)", *SHARED, *extra)
    assert len(names) == 4
    for name in names:
        assert len(name) <= 200
        parts = name.split(",")
        assert parts[0] in {"seed=0", "seed=1"} and parts[1] in {"head=default", "head=two_layer"}, name
        assert parts[2].startswith(resolvers.SHARED_MARK) and len(parts) == 3, name  # the shared keys hashed
    assert {tuple(n.split(",")[:2]) for n in names} == {
        (f"seed={s}", f"head={h}") for s in (0, 1) for h in ("default", "two_layer")
    }


def test_a_short_name_is_unchanged_by_the_sweep_file(tmp_path: Path) -> None:
    names = _multirun(tmp_path, "head=default,two_layer", "seed=0")
    assert names == ["head=default,seed=0", "head=two_layer,seed=0"]  # Hydra's sorted override_dirname form


def test_launched_sweep_keys_reads_the_saved_master_config(tmp_path: Path) -> None:
    saved = {"hydra": {"sweeper": {"params": {"trainer.lr": "0.1,0.2", "trainer.wd": "0.0"}},
                       "overrides": {"task": ["head=default,two_layer", "seed=range(3)", "data.limit=200"]}}}
    (tmp_path / "multirun.yaml").write_text(yaml.safe_dump(saved), encoding="utf-8")
    assert resolvers.launched_sweep_keys(tmp_path) == {"trainer.lr", "head", "seed"}  # one-value keys are shared
    assert resolvers.launched_sweep_keys(tmp_path / "absent") == frozenset()
    (tmp_path / "multirun.yaml").write_text("{unreadable: [", encoding="utf-8")
    assert resolvers.launched_sweep_keys(tmp_path) == frozenset()
    long_job = [*(s.lstrip("+") for s in SHARED), "head=two_layer", "seed=1"]
    assert resolvers.job_dirname(long_job, None, tmp_path).startswith("seed=1,~")  # nothing known: hashed

"""The fresh process's payload (a pickle) never lives in the job folder: a file or link planted there is
neither unpickled nor written through."""

from __future__ import annotations

import pickle
import stat
from pathlib import Path
from types import SimpleNamespace

from omegaconf import OmegaConf

from protsweep.launch import fresh


def test_the_payload_is_private_and_outside_the_job_folder(tmp_path: Path, monkeypatch) -> None:
    run_dir = tmp_path / "sweep" / "seed=1"
    run_dir.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (run_dir / ".protsweep-job.pkl").symlink_to(victim)  # what an earlier version wrote there, now a planted link
    seen = {}

    def child(argv, env, check):
        path = Path(argv[-1])
        seen.update(path=path, mode=stat.S_IMODE(path.stat().st_mode), payload=pickle.loads(path.read_bytes()))
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(fresh.HydraConfig, "get", staticmethod(lambda: OmegaConf.create({"job": {"name": "j"}})))
    monkeypatch.setattr(fresh.subprocess, "run", child)
    cfg = OmegaConf.create({"seed": 1})
    assert fresh.run_in_fresh_process(cfg, run_dir, {}) == 0
    assert run_dir not in seen["path"].parents and seen["mode"] == 0o600
    assert seen["payload"]["task"] == cfg and seen["payload"]["hydra"] == {"job": {"name": "j"}}
    assert not seen["path"].exists()  # removed after the child
    assert victim.read_text() == "mine"  # nothing written through the planted link

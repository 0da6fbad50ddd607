"""scripts/slurm-local.sh refuses, in one line and before writing anything, where it cannot start a cluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slurm-local.sh"


def run_with_path(tmp_path: Path, uid: int, *args: str) -> subprocess.CompletedProcess:
    """The script with a PATH holding only an ``id`` that answers ``uid`` (no SLURM or munge commands)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "id").write_text(f"#!/bin/bash\necho {uid}\n")
    (bin_dir / "id").chmod(0o755)
    return subprocess.run(["/bin/bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env={"PATH": str(bin_dir)})  # fmt: skip


@pytest.mark.parametrize(
    ("uid", "reason"), [(1000, "needs root"), (0, "needs munged: apt-get install -y slurm-wlm munge")]
)
def test_up_refuses_in_one_line_and_writes_nothing(tmp_path: Path, uid: int, reason: str) -> None:
    out = run_with_path(tmp_path, uid, "up", str(tmp_path / "cluster"))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and out.stderr.startswith(f"slurm-local: {reason}")
    assert not (tmp_path / "cluster").exists()
    check = run_with_path(tmp_path, uid, "check")
    assert check.returncode == 1 and check.stdout.startswith(f"slurm-local: {reason}")


def test_down_without_a_cluster_does_nothing(tmp_path: Path) -> None:
    out = run_with_path(tmp_path, 0, "down", str(tmp_path / "none"))
    assert out.returncode == 0 and "nothing is up" in out.stderr

"""issue 25: TensorFlow's start-up lines (printed once per shared library it loads) appear once per job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from protsweep.proteinbert.tf_env import once_each

SRC = Path(__file__).resolve().parents[2] / "src"


def test_once_each_drops_repeats_whatever_their_time_and_thread() -> None:
    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796586099.996580    5950 port.cc:153] oneDNN custom operations are on.\n"
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796586102.599088    5951 port.cc:153] oneDNN custom operations are on.\n"
        "E0000 00:00:1796586102.6    5951 other.cc:1] a different line\n"
    )
    kept = once_each(text).splitlines()
    assert len(kept) == 3 and kept[1].startswith("I0000 00:00:1796586099") and kept[2].endswith("a different line")


def test_importing_tensorflow_prints_its_start_up_lines_at_most_once() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", "import protsweep.proteinbert.tf_env as t; print(t.tf.__version__)"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    for line in set(once_each(proc.stderr).splitlines()):
        assert proc.stderr.count(line) == 1, line
    assert proc.stderr.count("All log messages before absl::InitializeLog()") <= 1

"""Hydra callback: the output folder (``hydra.run.dir`` or ``hydra.sweep.dir``) must be writable, checked
before Hydra creates it, so a read-only or unwritable place is one line instead of Hydra's traceback."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from protsweep.integrity.faults import DISK_PROBLEMS


def unwritable(folder: Path) -> str | None:
    """Why ``folder`` (created if missing) cannot take files: its nearest existing ancestor is not a writable
    folder; None when it can."""
    here = folder.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    if not here.is_dir():
        return f"{here} is not a folder"
    if os.access(here, os.W_OK | os.X_OK):
        return None
    read_only = os.statvfs(here).f_flag & os.ST_RDONLY
    return f"{here}: {DISK_PROBLEMS[errno.EROFS if read_only else errno.EACCES]}"


class WritableOutput(Callback):
    def _check(self, key: str, value: Any) -> None:
        reason = unwritable(Path(str(value)))
        if reason is not None:
            print(f"protsweep: error: {key}={value}: cannot write there ({reason}); choose another folder",
                  file=sys.stderr, flush=True)
            raise SystemExit(1)  # not an Exception: Hydra would print its traceback

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check("hydra.run.dir", config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check("hydra.sweep.dir", config.hydra.sweep.dir)

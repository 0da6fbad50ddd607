"""The OmegaConf resolvers of protsweep's configs (``${pid:}``, ``${job_dirname:...}``, ``${sweep_name:...}``),
registered by the ``protsweep`` command and by a job's fresh process."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence

from omegaconf import OmegaConf

from protsweep.errors import ConfigError
from protsweep.integrity.checks import check_sweep_name
from protsweep.keypolicy import result_overrides
from protsweep.tune.best import tune_storage


def job_dirname(overrides: str | Sequence[str], max_length: int = 200) -> str:
    """A job's directory name from its overrides (``${job_dirname:${hydra.overrides.task}}``): the override
    lines that can change a result (the key policy, :mod:`protsweep.keypolicy`), sorted and joined by ',' as
    Hydra's ``override_dirname`` joins them; '/' in values (paths) is escaped as %2F, and a name too long for
    the file system keeps its head plus a hash of the whole. A string is taken as already joined."""
    if not isinstance(overrides, str):
        overrides = ",".join(sorted(result_overrides(str(o) for o in overrides)))
    name = overrides.replace("%", "%25").replace("/", "%2F") or "default"
    if len(name) > max_length:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[: max_length - 11]}~{digest}"
    return name


def sweep_name(name: str) -> str:
    """``${sweep_name:${ablation.name}}`` in the sweep dir: the name, refused if it would leave outputs/sweeps/.

    Hydra resolves the sweep dir (and creates it) before any job runs, and reports a resolver's exception
    with a traceback; so a bad name ends the command here, as one line, before anything is created."""
    try:
        check_sweep_name(str(name))
    except ConfigError as err:
        print(f"protsweep: error: {err}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    return str(name)


def register_resolvers() -> None:
    # The process id joins the microsecond timestamp in sweep directories, so two sweeps started at
    # the same instant by two processes still get two directories.
    OmegaConf.register_new_resolver("pid", lambda: os.getpid(), use_cache=True, replace=True)
    OmegaConf.register_new_resolver("job_dirname", job_dirname, replace=True)
    OmegaConf.register_new_resolver("sweep_name", sweep_name, replace=True)
    OmegaConf.register_new_resolver("tune_storage", tune_storage, replace=True)

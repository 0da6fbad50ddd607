"""The OmegaConf resolvers of protsweep's configs (``${pid:}``, ``${job_dirname:...}``, ``${sweep_name:...}``),
registered by the ``protsweep`` command and by a job's fresh process."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf

from protsweep.errors import ConfigError
from protsweep.integrity.checks import check_sweep_name
from protsweep.keypolicy import KeyKind, key_kind, override_key, result_overrides
from protsweep.sweepjobs import MULTIRUN_YAML, saved_sweep_jobs, varied_keys
from protsweep.tune.best import tune_storage

SHARED_MARK = "~"  # stands for the shared overrides of a long folder name (with a hash of the whole name)
_SWEPT = re.compile(r",|^\s*(range|choice|glob|interval)\(")  # a sweeper value with more than one choice


def _escaped(text: str) -> str:
    return text.replace("%", "%25").replace("/", "%2F")


def _swept_keys(swept: Mapping[str, Any] | None) -> set[str]:
    """Keys the sweeper varies (``hydra.sweeper.params`` values with several choices)."""
    return {override_key(str(k)) for k, v in (swept or {}).items() if _SWEPT.search(str(v))}


def launched_sweep_keys(sweep_dir: str | os.PathLike[str] | None) -> frozenset[str]:
    """The keys the sweep launched into ``sweep_dir`` varies, from the ``multirun.yaml`` Hydra's sweeper saves
    there before it launches any job (under every launcher: the basic, joblib and submitit launchers resolve
    a job's folder name after that): keys swept by a sweep file and keys swept on the command line alike.
    Empty when there is no readable multirun.yaml (a single run; a sweeper that saves none)."""
    if not sweep_dir:
        return frozenset()
    path = Path(str(sweep_dir)) / MULTIRUN_YAML
    try:
        stat = path.stat()
    except OSError:
        return frozenset()
    return _saved_varied_keys(str(path.absolute()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _saved_varied_keys(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    """Read once per version of the file (every job of a sweep in one process names its folder from it)."""
    try:
        saved = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        jobs = saved_sweep_jobs(saved)
    except (OSError, yaml.YAMLError, AttributeError):
        return frozenset()
    return frozenset(varied_keys(jobs or []))


def job_dirname(
    overrides: str | Sequence[str],
    swept: Mapping[str, Any] | None = None,
    sweep_dir: str | os.PathLike[str] | None = None,
    *,
    max_length: int = 200,
) -> str:
    """A job's directory name from its overrides (``${job_dirname:${hydra.overrides.task},
    ${oc.select:hydra.sweeper.params,null},${hydra.sweep.dir}}``): the override lines that can change a
    result (the key policy, :mod:`protsweep.keypolicy`), sorted and joined by ',' as Hydra's
    ``override_dirname`` joins them; '/' in values (paths) is escaped as %2F. A name too long for the file
    system keeps the seed (and fold) and the swept values in full (keys with several values in ``swept``, the
    sweeper's params, and every key the sweep in ``sweep_dir`` varies, command line included:
    :func:`launched_sweep_keys`) and gives the shared overrides up first, for ``~`` and a hash of the whole
    name; only if those alone are still too long is the name cut, replicate keys first so the seed stays. A
    string is taken as already joined (cut at its end, plus a hash)."""
    if isinstance(overrides, str):
        name = _escaped(overrides) or "default"
        return name if len(name) <= max_length else _cut(name, name, max_length)
    lines = sorted(result_overrides(str(o) for o in overrides))
    name = _escaped(",".join(lines)) or "default"
    if len(name) <= max_length:
        return name
    swept_keys = _swept_keys(swept) | launched_sweep_keys(sweep_dir)
    replicate = [o for o in lines if key_kind(override_key(o)) is KeyKind.REPLICATE]
    varied = [o for o in lines if o not in replicate and override_key(o) in swept_keys]
    kept = _escaped(",".join(replicate + varied))
    shortened = f"{kept},{SHARED_MARK}{_digest(name)}" if kept else f"{SHARED_MARK}{_digest(name)}"
    return shortened if len(shortened) <= max_length else _cut(kept, name, max_length)


def _digest(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:10]


def _cut(text: str, whole: str, max_length: int) -> str:
    return f"{text[: max_length - 11]}{SHARED_MARK}{_digest(whole)}"


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

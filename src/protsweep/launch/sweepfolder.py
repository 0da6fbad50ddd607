"""A sweep folder holds one sweep: a relaunch into a folder that already has a ``multirun.yaml`` is checked as a
whole before any job starts (and before Hydra rewrites that file).

Refused, in one line: another set of jobs (a changed or added override, another sweep file), or another
config of the sweep (a changed config file, a changed split or any other result key). Keys the key policy calls
output-only (``report.*``, ``progress``, ``logger``, ``resources.*``...) are no change. ``overwrite=true`` (or
a new folder) is the way to change a sweep.
"""

from __future__ import annotations

from pathlib import Path

from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from protsweep.errors import ConfigError
from protsweep.integrity.fingerprint import describe_change, digest, fingerprint_config, result_config, same_config
from protsweep.keypolicy import KeyKind, key_kind
from protsweep.launch.outcome import Overrides, find_job_dirs, result_key
from protsweep.record.state import RunState
from protsweep.sweepjobs import MULTIRUN_YAML, sweep_jobs


def sweep_config(config: DictConfig) -> dict:
    """The sweep's own config (what every job starts from) as fingerprinted, without Hydra's node and the
    output-only groups (never resolved: a logger's ``${hydra:...}`` needs a running job)."""
    kept = [k for k in config if key_kind(str(k)) is not KeyKind.OUTPUT_ONLY]
    return fingerprint_config(OmegaConf.masked_copy(config, kept))


def _job_set(jobs: list[Overrides] | None) -> set[Overrides] | None:
    return None if jobs is None else {result_key(job) for job in jobs}


def check_sweep_folder(config: DictConfig, jobs: list[Overrides] | None) -> None:
    """Raise :class:`ConfigError` when ``hydra.sweep.dir`` already holds a sweep other than this launch's."""
    sweep_dir = Path(str(config.hydra.sweep.dir))
    saved_path = sweep_dir / MULTIRUN_YAML
    if config.get("overwrite", False) or not saved_path.is_file():
        return
    refuse = (f"{sweep_dir} holds another sweep ({{}}); nothing was written. Launch into a new sweep folder, or add "
              "overwrite=true to rerun it under the new config (earlier records are kept aside)")
    try:
        saved = OmegaConf.load(saved_path)
        old_jobs = sweep_jobs(OmegaConf.select(saved, "hydra.sweeper.params"),
                              list(OmegaConf.select(saved, "hydra.overrides.task") or []))
        old_config = sweep_config(saved)
    except (OSError, OmegaConfBaseException, ValueError, TypeError) as err:
        raise ConfigError(refuse.format(f"its {MULTIRUN_YAML} is unreadable: {err}".splitlines()[0])) from None
    current = sweep_config(config)
    if current != old_config:
        raise ConfigError(refuse.format(f"another config: {describe_change(old_config, current)}"))
    before, now = _job_set(old_jobs), _job_set(jobs)
    if before is not None and now is not None and before != now:
        gone, new = sorted(before - now), sorted(now - before)
        sample = ", ".join([*(f"-{','.join(j)}" for j in gone[:1]), *(f"+{','.join(j)}" for j in new[:1])])
        raise ConfigError(refuse.format(f"other jobs: {len(gone)} of its jobs not in this launch, {len(new)} "
                                        f"new; e.g. {sample}"))
    changed = changed_job(config, jobs or [], find_job_dirs(sweep_dir))
    if changed is not None:
        raise ConfigError(refuse.format(changed))


def changed_job(config: DictConfig, jobs: list[Overrides], dirs: dict[Overrides, Path]) -> str | None:
    """The first job whose folder holds a record of another config than the one this launch composes for it
    (e.g. a config file chosen only by a sweep value changed), as ``<job>: <keys>``; None when all match.
    Composed the way the launcher will compose it (Hydra's config loader, when Hydra is running)."""
    if not GlobalHydra.instance().is_initialized():
        return None
    loader = GlobalHydra.instance().config_loader()
    for job in jobs:
        job_dir = dirs.get(result_key(job))
        recorded = RunState.read(job_dir).fingerprint if job_dir is not None else None
        if recorded is None:
            continue
        try:
            current = sweep_config(loader.load_sweep_config(config, list(job)))
        except (HydraException, OmegaConfBaseException):  # the job itself reports a config it cannot compose
            continue
        if not same_config(recorded, {"sha256": digest(current)}):
            return f"another config in {job_dir.name}: {describe_change(result_config(recorded) or {}, current)}"
    return None

"""One Hydra job: a lock on its folder, the relaunch check against the recorded config fingerprint,
skip-if-done, resources (threads, GPU, a fresh process), run record bookkeeping, failure capture around a
model family's runner, and the optional tracker logger at the end.

Hydra is told not to write ``.hydra/`` (``hydra.output_subdir: null``); this module writes it once the
relaunch check has passed, so a refused relaunch leaves the folder exactly as it was.

Whether a job failed is known from its ``run.json`` alone: the sweep's exit status is read from disk by
:mod:`protsweep.launch.monitor`, so it is right under launchers whose jobs run in other processes.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import get_method
from omegaconf import DictConfig, OmegaConf

import protsweep
from protsweep.atomic import write_text_atomic
from protsweep.errors import ConfigError, ProtsweepError
from protsweep.family import families
from protsweep.family import family as family_of
from protsweep.integrity.checks import check_job_config
from protsweep.integrity.faults import disk_problem, remove_leftovers
from protsweep.integrity.fingerprint import RUN_JSON_KEY, check_relaunch, fingerprint_record
from protsweep.integrity.locks import JOB_LOCK, held
from protsweep.launch.fresh import run_in_fresh_process
from protsweep.launch.gpus import gpu_slot
from protsweep.launch.loggers import build_logger, live_callbacks, publish, publish_record
from protsweep.launch.progress import EpochProgress
from protsweep.launch.resources import apply_resources, job_resources, thread_env
from protsweep.launch.reuse import ReuseKey, copy_run, find_reusable
from protsweep.record import RunRecord, git_sha, package_versions
from protsweep.record.identity import CODE_KEY, INPUTS_KEY, OUTPUTS_KEY, code_identity, input_files, output_digests
from protsweep.record.state import RunState

log = logging.getLogger(__name__)

def seed_python_and_numpy(seed: int) -> None:
    """Seed the generators every family uses. Seed 0 is a seed like any other."""
    random.seed(seed)
    np.random.seed(seed)


#: Lines of relaunches refused in this process; ``protsweep.app`` exits non-zero when there are any.
REFUSED: list[str] = []


def run(cfg: DictConfig) -> None:
    """The Hydra task: lock the job folder, refuse a relaunch of another config, skip a completed job, else
    run it here or in a fresh process holding its GPU."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    logging.raiseExceptions = False  # a log file on a full disk must not print tracebacks of its own
    with held(run_dir / JOB_LOCK) as other:
        if other is not None:
            print(f"protsweep: note [{run_dir.name}]: {other} is running this job: skipped here", file=sys.stderr)
            return
        try:
            _run_locked(cfg, run_dir)
        except OSError as err:  # before the job's own failure capture (its folder, the reuse copy)
            problem = disk_problem(err)
            if problem is None:
                raise
            print(f"protsweep: error [{run_dir.name}]: {problem}; the job did not start and is left to a "
                  "relaunch", file=sys.stderr, flush=True)


def _run_locked(cfg: DictConfig, run_dir: Path) -> None:
    hydra_cfg = HydraConfig.get()
    record = RunRecord(run_dir)
    for path in remove_leftovers(run_dir):
        log.info("removed %s, left by a job that was killed", path)
    if not cfg.overwrite:
        try:
            check_relaunch(run_dir.name, recorded_fingerprint(run_dir), cfg)
        except ConfigError as err:
            line = f"protsweep: error: {err}"
            REFUSED.append(line)
            print(line, file=sys.stderr, flush=True)
            return
        if record.is_completed():
            log.info("skipping %s: run.json says completed (overwrite=true reruns it)", run_dir)
            publish_record(cfg, run_dir)
            return
    else:
        kept = record.set_aside_previous()
        if kept is not None:
            log.info("overwrite=true: the earlier record was moved to %s", kept)
    write_hydra_files(run_dir, cfg)
    if not cfg.overwrite and reuse_earlier_run(cfg, run_dir):
        publish_record(cfg, run_dir)
        return

    try:
        res = job_resources(cfg, hydra_cfg.launcher)
    except ProtsweepError:
        execute(cfg)  # meets the same error inside its failure capture: a failed record and one line
        return
    job_num = int(hydra_cfg.job.get("num") or 0)
    with gpu_slot(res.gpus, run_dir.parent, job_num) as gpu_env:
        if res.fresh_process:
            run_in_fresh_process(cfg, run_dir, {**gpu_env, **thread_env(res.threads)})
        else:
            os.environ.update(gpu_env)
            execute(cfg)


def run_identity(cfg: DictConfig) -> dict[str, Any]:
    """What run.json says about where this job sits in its sweep (the aggregator groups runs by it)."""
    hydra_cfg = HydraConfig.get()
    return {
        "seed": int(cfg.seed),
        "overrides": list(hydra_cfg.overrides.task),
        "choices": {k: v for k, v in hydra_cfg.runtime.choices.items() if not k.startswith("hydra")},
        "ablation": OmegaConf.to_container(cfg.ablation, resolve=True),
    }


def reuse_earlier_run(cfg: DictConfig, run_dir: Path) -> bool:
    """Copy a completed run of the same config fingerprint into ``run_dir`` (``reuse``); True when one was."""
    if not cfg.reuse.enabled:
        return False
    cwd = Path(HydraConfig.get().runtime.cwd)
    roots = [run_dir.parent, *(cwd / str(p) for p in cfg.reuse.search)]
    key = ReuseKey(fingerprint_record(cfg)["sha256"], input_files(cfg, cwd), code_identity(), run_versions(cfg))

    def note(line: str) -> None:
        print(f"protsweep: note [{run_dir.name}]: {line}", file=sys.stderr, flush=True)

    found = find_reusable(key, roots, exclude=run_dir, note=note)
    if found is None:
        return False
    source, info = found
    try:
        copy_run(source, info, run_dir, run_identity(cfg))
    except OSError as err:
        note(f"not reused, trained instead: {err}")
        return False
    print(f"protsweep: note [{run_dir.name}]: same config as the completed run {source}: its results were "
          "reused, not retrained (reuse.enabled=false trains anyway)", file=sys.stderr, flush=True)
    return True


def run_versions(cfg: DictConfig) -> dict[str, str | None]:
    """run.json's ``versions``: Python, the family's frameworks and protsweep."""
    registered = families().get(str(cfg.model.family))
    packages = registered.packages if registered is not None else ()
    return {**package_versions(packages), "protsweep": protsweep.__version__}


def recorded_fingerprint(run_dir: Path) -> dict[str, Any] | None:
    """run.json's fingerprint, or None (no record, an unreadable one, or one from before fingerprints)."""
    return RunState.read(run_dir).fingerprint


def write_hydra_files(run_dir: Path, cfg: DictConfig) -> None:
    """What Hydra writes to ``.hydra/`` (config, hydra config, overrides), written here after the checks."""
    hydra_cfg = HydraConfig.get()
    target = run_dir / ".hydra"
    write_text_atomic(target / "config.yaml", OmegaConf.to_yaml(cfg))
    write_text_atomic(target / "hydra.yaml", OmegaConf.to_yaml(OmegaConf.create({"hydra": hydra_cfg})))
    write_text_atomic(target / "overrides.yaml", OmegaConf.to_yaml(hydra_cfg.overrides.task))


def source_revision(cwd: Path) -> str:
    """The git commit of the working directory or, run elsewhere, of protsweep's own checkout; else a note
    with the installed version."""
    return (
        git_sha(cwd)
        or git_sha(Path(protsweep.__file__).resolve().parent)
        or f"unknown (not a git checkout; protsweep {protsweep.__version__})"
    )


def execute(cfg: DictConfig) -> None:
    """The job's work in this process: record, resources, runner, failure capture, logger."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    family = str(cfg.model.family)
    registered = families().get(family)
    totals = registered.planned_epochs(cfg) if registered is not None else {}  # "epoch k/N"
    record = RunRecord(
        run_dir, callbacks=[EpochProgress(totals, label=run_dir.name, setting=cfg.get("progress", "auto"))]
    )
    packages = registered.packages if registered is not None else ()
    record.start(
        **run_identity(cfg),
        model_family=family,
        versions=run_versions(cfg),
        git_sha=source_revision(Path(hydra_cfg.runtime.cwd)),
        **{RUN_JSON_KEY: fingerprint_record(cfg)},
        **{CODE_KEY: code_identity(), INPUTS_KEY: input_files(cfg, Path(hydra_cfg.runtime.cwd))},
    )
    tracker = None
    try:
        check_job_config(cfg)  # config mistakes: one line, before data is read or a framework imported
        resources = job_resources(cfg, hydra_cfg.launcher)
        record.update(resources=apply_resources(resources, ()))  # thread env and pid; no framework yet
        seed_python_and_numpy(int(cfg.seed))
        from protsweep.data.load import load_data  # pandas/sklearn: not needed for --cfg, --help
        from protsweep.record.reference import record_similarity_reference

        data = load_data(cfg.data)  # bad data or data config: one line, before the family imports TF or torch
        record_similarity_reference(record, {name: data.split(name) for name in ("train", "valid", "test")},
                                    OmegaConf.select(cfg, "paths.cache_dir", default=None))
        tracker = build_logger(cfg)
        record.callbacks = [*record.callbacks, *live_callbacks(tracker, run_dir, cfg, record)]
        record.update(resources=apply_resources(resources, packages))
        runner = get_method(family_of(family).runner)
        runner(cfg, run_dir, record)
        record.update(**{OUTPUTS_KEY: output_digests(run_dir)})
        record.complete()
    except ProtsweepError as err:
        _failed(record, run_dir, str(err), traceback.format_exc(), multirun)
    except Exception as err:  # a bug, not bad input: keep the traceback in the record and the log
        problem = disk_problem(err)
        if problem is not None:  # the user's to fix: one line, no traceback
            _failed(record, run_dir, problem, traceback.format_exc(), multirun)
            return
        log.exception("job failed")
        _failed(record, run_dir, f"{type(err).__name__}: {err}", traceback.format_exc(), multirun)
    if tracker is not None:
        publish(tracker, run_dir, cfg)


def _failed(record: RunRecord, run_dir: Path, message: str, tb: str, multirun: bool) -> None:
    where = f" [{run_dir.name}]" if multirun else ""
    try:
        record.fail(message, tb)
    except OSError as err:  # even run.json cannot be written (a full disk): the job stays resumable
        problem = disk_problem(err) or str(err)
        message += f"; its run.json could not record the failure either ({problem}): free space and relaunch"
    print(f"protsweep: error{where}: {message}", file=sys.stderr, flush=True)

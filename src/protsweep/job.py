"""One Hydra job: skip-if-done, resources (threads, GPU, a fresh process), run record bookkeeping, failure
capture around a model family's runner, and the optional tracker logger at the end.

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

import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import get_method
from omegaconf import DictConfig, OmegaConf

import protsweep
from protsweep.errors import ProtsweepError
from protsweep.launch.fresh import run_in_fresh_process
from protsweep.launch.gpus import gpu_slot
from protsweep.launch.loggers import build_logger, publish
from protsweep.launch.progress import EpochProgress
from protsweep.launch.resources import apply_resources, job_resources, thread_env
from protsweep.record import RunRecord, git_sha, package_versions

log = logging.getLogger(__name__)

FAMILY_PACKAGES: dict[str, tuple[str, ...]] = {
    "proteinbert": ("tensorflow", "tf-keras", "protein-bert"),
    "siamese": ("torch", "esm"),
}


def seed_python_and_numpy(seed: int) -> None:
    """Seed the generators every family uses. Seed 0 is a seed like any other."""
    random.seed(seed)
    np.random.seed(seed)


def run(cfg: DictConfig) -> None:
    """The Hydra task: skip a completed job, else run it here or in a fresh process holding its GPU."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    record = RunRecord(run_dir)

    if record.is_completed():
        if not cfg.overwrite:
            log.info("skipping %s: run.json says completed (overwrite=true reruns it)", run_dir)
            return
        kept = record.set_aside_previous()
        log.info("overwrite=true: the earlier record was moved to %s", kept)

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


def execute(cfg: DictConfig) -> None:
    """The job's work in this process: record, resources, runner, failure capture, logger."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    record = RunRecord(run_dir, listeners=[EpochProgress(label=run_dir.name, setting=cfg.get("progress", "auto"))])
    family = str(cfg.model.family)
    packages = FAMILY_PACKAGES.get(family, ())
    record.start(
        seed=int(cfg.seed),
        model_family=family,
        overrides=list(hydra_cfg.overrides.task),
        choices={k: v for k, v in hydra_cfg.runtime.choices.items() if not k.startswith("hydra")},
        ablation=OmegaConf.to_container(cfg.ablation, resolve=True),
        versions={**package_versions(packages), "protsweep": protsweep.__version__},
        git_sha=git_sha(Path(hydra_cfg.runtime.cwd)),
    )
    tracker = None
    try:
        tracker = build_logger(cfg)
        resources = job_resources(cfg, hydra_cfg.launcher)
        record.update(resources=apply_resources(resources, ()))  # thread env and pid; no framework yet
        from protsweep.data.load import load_data  # pandas/sklearn: not needed for --cfg, --help

        load_data(cfg.data)  # bad data or data config: one line, before TF or torch is imported
        record.update(resources=apply_resources(resources, packages))
        seed_python_and_numpy(int(cfg.seed))
        runner = get_method(str(cfg.model.runner))
        runner(cfg, run_dir, record)
        record.complete()
    except ProtsweepError as err:
        _failed(record, run_dir, str(err), traceback.format_exc(), multirun)
    except Exception as err:  # a bug, not bad input: keep the traceback in the record and the log
        log.exception("job failed")
        _failed(record, run_dir, f"{type(err).__name__}: {err}", traceback.format_exc(), multirun)
    if tracker is not None:
        publish(tracker, run_dir, cfg)


def _failed(record: RunRecord, run_dir: Path, message: str, tb: str, multirun: bool) -> None:
    record.fail(message, tb)
    where = f" [{run_dir.name}]" if multirun else ""
    print(f"protsweep: error{where}: {message}", file=sys.stderr, flush=True)

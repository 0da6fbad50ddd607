"""One Hydra job: skip-if-done, run record bookkeeping, and failure capture around a model family's runner."""

from __future__ import annotations

import logging
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
from protsweep.record import RunRecord, git_sha, package_versions

log = logging.getLogger(__name__)

FAMILY_PACKAGES: dict[str, tuple[str, ...]] = {
    "proteinbert": ("tensorflow", "tf-keras", "protein-bert"),
    "siamese": ("torch", "esm"),
}

#: Run directories of jobs that failed in this process; the entry point exits non-zero when any did.
FAILED_JOBS: list[Path] = []


def seed_python_and_numpy(seed: int) -> None:
    """Seed the generators every family uses. Seed 0 is a seed like any other."""
    random.seed(seed)
    np.random.seed(seed)


def run(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    record = RunRecord(run_dir)

    if record.is_completed():
        if not cfg.overwrite:
            log.info("skipping %s: run.json says completed (overwrite=true reruns it)", run_dir)
            return
        kept = record.set_aside_previous()
        log.info("overwrite=true: the earlier record was moved to %s", kept)

    family = str(cfg.model.family)
    record.start(
        seed=int(cfg.seed),
        model_family=family,
        overrides=list(hydra_cfg.overrides.task),
        choices={k: v for k, v in hydra_cfg.runtime.choices.items() if not k.startswith("hydra")},
        ablation=OmegaConf.to_container(cfg.ablation, resolve=True),
        versions={**package_versions(FAMILY_PACKAGES.get(family, ())), "protsweep": protsweep.__version__},
        git_sha=git_sha(Path(hydra_cfg.runtime.cwd)),
    )
    try:
        seed_python_and_numpy(int(cfg.seed))
        from protsweep.data.load import load_data  # pandas/sklearn: not needed for --cfg, --help

        load_data(cfg.data)  # bad data or data config: one line, before the family imports TF or torch
        runner = get_method(str(cfg.model.runner))
        runner(cfg, run_dir, record)
        record.complete()
    except ProtsweepError as err:
        _failed(record, run_dir, str(err), traceback.format_exc(), multirun)
    except Exception as err:  # a bug, not bad input: keep the traceback in the record and the log
        log.exception("job failed")
        _failed(record, run_dir, f"{type(err).__name__}: {err}", traceback.format_exc(), multirun)


def _failed(record: RunRecord, run_dir: Path, message: str, tb: str, multirun: bool) -> None:
    record.fail(message, tb)
    FAILED_JOBS.append(run_dir)
    where = f" [{run_dir.name}]" if multirun else ""
    print(f"protsweep: error{where}: {message}", file=sys.stderr, flush=True)

"""One trial of a tuning sweep: the job at each of ``tune.seeds`` (a folder ``seed=<s>`` inside the trial's
folder), and the objective (:mod:`.objective`) returned to the sweeper.

Each seed is an ordinary :func:`protsweep.job.run`: its lock, relaunch check, skip-if-done, reuse and run
record, run under a copy of the trial's Hydra config whose output folder and overrides name the seed.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from protsweep import job
from protsweep.atomic import write_text_atomic
from protsweep.errors import ConfigError
from protsweep.tune.objective import parse_metric, run_metric, seed_mean

#: Hydra's own sweeper (its jobs are the sweep's job folders, one seed each)
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
#: what a multi-seed trial writes into its folder: the objective and each seed's value
TRIAL_JSON = "trial.json"


@contextlib.contextmanager
def _hydra_job_at(run_dir: Path, seed: int) -> Iterator[None]:
    """Hydra's job config for the seed's folder (output dir and task overrides), restored afterwards."""
    instance = HydraConfig.instance()
    saved = instance.cfg
    moved = copy.deepcopy(saved)
    for node in (moved, moved.hydra, moved.hydra.runtime, moved.hydra.overrides):
        OmegaConf.set_readonly(node, False)
    with open_dict(moved):
        moved.hydra.runtime.output_dir = str(run_dir)
        task = [o for o in moved.hydra.overrides.task if not str(o).startswith("seed=")]
        moved.hydra.overrides.task = [*task, f"seed={seed}"]
    instance.set_config(moved)
    try:
        yield
    finally:
        instance.cfg = saved


def run_trial(cfg: DictConfig) -> float:
    """Run the job (one seed, or each of ``tune.seeds``) and return the objective (NaN when a seed failed)."""
    key = str(cfg.tune.metric)
    parse_metric(key)  # a test metric is refused before anything trains
    hydra_cfg = HydraConfig.get()
    trial_dir = Path(hydra_cfg.runtime.output_dir)
    seeds = [int(s) for s in cfg.tune.seeds or []]
    if not seeds:
        job.run(cfg)
        return run_metric(trial_dir, key)
    if hydra_cfg.mode != RunMode.MULTIRUN or hydra_cfg.sweeper.get("_target_") == BASIC_SWEEPER:
        raise ConfigError("tune.seeds makes each trial of a tuning sweep (hydra/sweeper=tune) several seeds; "
                          "a run or an ablation sweep takes seeds as seed=0,1,2")
    values: dict[int, float] = {}
    for seed in seeds:
        seed_dir = trial_dir / f"seed={seed}"
        seed_cfg = cfg.copy()
        seed_cfg.seed = seed
        with _hydra_job_at(seed_dir, seed):
            job.run(seed_cfg)
        values[seed] = run_metric(seed_dir, key)
    objective = seed_mean(values.values())
    write_text_atomic(trial_dir / TRIAL_JSON, json.dumps(
        {"metric": key, "objective": objective, "seeds": {str(s): v for s, v in values.items()}}, indent=2))
    return objective

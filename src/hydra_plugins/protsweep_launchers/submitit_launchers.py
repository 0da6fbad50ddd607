"""Hydra's submitit launchers as protsweep runs them (``hydra/launcher=slurm`` and ``submitit_local``).

The same executor and job function as Hydra's plugin; what differs (each job's failure lines on the terminal,
job states from squeue on a cluster without accounting, bounded local concurrency, no empty ``.submitit/%j``)
is in :mod:`protsweep.launch.submitit_jobs`, imported when a sweep launches so that Hydra's plugin discovery
stays fast.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, filter_overrides
from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import BaseSubmititLauncher
from omegaconf import OmegaConf

log = logging.getLogger(__name__)

#: Preset keys given to submitit's executor at construction rather than through ``update_parameters``.
INIT_KEYS = ("submitit_folder", "max_num_timeout")


class ProtsweepSubmititLauncher(BaseSubmititLauncher):
    """Launch: the executor from the preset, every job submitted, each job's result and failure lines."""

    def executor(self) -> Any:
        import submitit

        init = {f"{self._EXECUTOR}_max_num_timeout": self.params["max_num_timeout"]} if (
            "max_num_timeout" in self.params) else {}
        executor = submitit.AutoExecutor(cluster=self._EXECUTOR, folder=self.params["submitit_folder"], **init)
        shared = set(OmegaConf.structured(BaseQueueConf).keys())
        executor.update_parameters(**{
            (key if key in shared else f"{self._EXECUTOR}_{key}"): value
            for key, value in self.params.items() if key not in INIT_KEYS
        })  # fmt: skip
        return executor

    def job_params(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[tuple]:
        """The arguments of :meth:`BaseSubmititLauncher.__call__` for each job."""
        assert self.config is not None
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        params = []
        for idx, overrides in enumerate(job_overrides, start=initial_job_idx):
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            params.append((list(overrides), "hydra.sweep.dir", idx, f"job_id_for_{idx}", Singleton.get_state()))
        return params

    def run_jobs(self, executor: Any, params: list[tuple]) -> list[Any]:
        from protsweep.launch.submitit_jobs import wait_all

        return wait_all(executor.map_array(self, *zip(*params, strict=True)))

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from protsweep.launch.submitit_jobs import job_return

        log.info(f"Submitit '{self._EXECUTOR}' sweep output dir : {self.config.hydra.sweep.dir}")
        jobs = self.run_jobs(self.executor(), self.job_params(job_overrides, initial_job_idx))
        return [job_return(job, overrides) for job, overrides in zip(jobs, job_overrides, strict=True)]


class SlurmLauncher(ProtsweepSubmititLauncher):
    _EXECUTOR = "slurm"

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from protsweep.launch.submitit_jobs import use_squeue_without_accounting

        use_squeue_without_accounting()
        return super().launch(job_overrides, initial_job_idx)


class LocalLauncher(ProtsweepSubmititLauncher):
    """Jobs as local processes, as many at once as their cpus_per_task and mem_gb fit this machine."""

    _EXECUTOR = "local"

    def run_jobs(self, executor: Any, params: list[tuple]) -> list[Any]:
        from protsweep.launch.submitit_jobs import concurrent_limit, remove_empty_template_folder, submit_bounded

        limit = concurrent_limit(self.params.get("cpus_per_task"), self.params.get("mem_gb"))
        jobs = submit_bounded(lambda *args: executor.submit(self, *args), params, limit)
        remove_empty_template_folder(str(self.params["submitit_folder"]))
        return jobs

"""What one job may use: CPU threads for TensorFlow and torch, whether it runs in a fresh process, GPUs.

The ``resources`` config node (all optional; defaults below):

- ``threads: auto | <int> | null``: ``auto`` gives each job ``cpus_per_task`` under submitit, ``cores // n_jobs``
  under joblib, and leaves the frameworks' defaults under the basic launcher (one job at a time).
- ``fresh_process: auto | true | false``: ``auto`` re-executes each job in a fresh Python process under
  launchers that reuse worker processes (joblib/loky), so no TensorFlow state passes from one job to the next.
- ``gpus: auto | <int>``, ``memory_growth``, ``mixed_precision``: see :mod:`protsweep.launch.gpus`.

TensorFlow ignores ``OMP_NUM_THREADS``; its intra- and inter-op pools are set through ``tf.config.threading``
before it runs its first op, and the values it then reports are written to ``run.json`` (``resources``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from protsweep.errors import ConfigError
from protsweep.launch.gpus import local_gpus

AUTO = "auto"

#: Launchers whose worker processes run job after job (state would leak between jobs).
REUSES_WORKERS = frozenset({"hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"})

#: Launchers that run several jobs at once on this machine (each gets its own GPU when there are GPUs).
LOCAL_PARALLEL = REUSES_WORKERS | {
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "hydra_plugins.protsweep_launchers.submitit_launchers.LocalLauncher",  # the submitit_local preset
}

#: The variables native thread pools read when they start (BLAS, OpenMP, TensorFlow's defaults).
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


@dataclass
class ResourcesConfig:
    """Schema of the ``resources`` node."""

    threads: Any = AUTO  # auto | int | null
    fresh_process: Any = AUTO  # auto | true | false
    gpus: Any = AUTO  # auto | int: local GPUs shared out to parallel jobs (untested: no GPU in CI)
    memory_growth: bool = True  # TensorFlow allocates GPU memory as needed (untested)
    mixed_precision: bool = False  # TensorFlow mixed_float16 policy (untested)


@dataclass(frozen=True)
class JobResources:
    """The resolved resources of one job."""

    threads: int | None
    fresh_process: bool
    gpus: tuple[str, ...]  # GPUs to share out among parallel jobs
    local_parallel: bool
    memory_growth: bool
    mixed_precision: bool


def available_cores() -> int:
    """Cores this process may run on (respects taskset and cpusets, unlike ``os.cpu_count``)."""
    return len(os.sched_getaffinity(0))


def concurrent_jobs(n_jobs: int, cores: int) -> int:
    """joblib's reading of ``n_jobs``: negative values count back from the number of cores (-1: all)."""
    return n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)


def threads_per_job(setting: Any, launcher: Mapping[str, Any], cores: int) -> int | None:
    """Threads for one job's framework pools; None leaves the frameworks' own defaults."""
    if setting is None:
        return None
    if setting == AUTO:
        if launcher.get("cpus_per_task"):
            return int(launcher["cpus_per_task"])
        if launcher.get("n_jobs") is not None:
            return max(1, cores // concurrent_jobs(int(launcher["n_jobs"]), cores))
        return None
    threads = int(setting)
    if threads < 1:
        raise ConfigError(f"resources.threads must be auto, null or a positive integer, not {setting!r}")
    return threads


def wants_fresh_process(setting: Any, launcher_target: str) -> bool:
    if setting == AUTO:
        return launcher_target in REUSES_WORKERS
    return bool(setting)


def resources_config(cfg: DictConfig) -> ResourcesConfig:
    """The job's ``resources`` node over the defaults (the node is optional)."""
    node = OmegaConf.select(cfg, "resources", default=None)
    merged = OmegaConf.merge(OmegaConf.structured(ResourcesConfig), node or {})
    return ResourcesConfig(**OmegaConf.to_container(merged))  # type: ignore[arg-type]


def job_resources(cfg: DictConfig, launcher: Mapping[str, Any]) -> JobResources:
    """Resolve the ``resources`` node against the launcher's config (``hydra.launcher``) and this machine."""
    res = resources_config(cfg)
    target = str(launcher.get("_target_", ""))
    local_parallel = target in LOCAL_PARALLEL
    return JobResources(
        threads=threads_per_job(res.threads, launcher, available_cores()),
        fresh_process=wants_fresh_process(res.fresh_process, target),
        gpus=local_gpus(res.gpus) if local_parallel else (),
        local_parallel=local_parallel,
        memory_growth=res.memory_growth,
        mixed_precision=res.mixed_precision,
    )


def thread_env(threads: int | None) -> dict[str, str]:
    """Environment for a process about to start native thread pools."""
    return {} if threads is None else dict.fromkeys(THREAD_ENV_VARS, str(threads))


def configure_tensorflow(res: JobResources) -> dict[str, int]:
    """Thread pools (and, on GPUs, memory growth and mixed precision) before TensorFlow runs its first op."""
    from protsweep.proteinbert.tf_env import keras, tf

    if res.threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(res.threads)
        tf.config.threading.set_inter_op_parallelism_threads(res.threads)
    if res.memory_growth:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    if res.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    return {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
    }


def configure_torch(res: JobResources) -> dict[str, int]:
    import torch

    if res.threads is not None:
        torch.set_num_threads(res.threads)
        # settable only before torch's first parallel work; the intra-op pool is the one that matters
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(res.threads)
    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


#: Per framework package: the function that applies a job's resources to it and reads them back.
FRAMEWORKS: dict[str, Callable[[JobResources], dict[str, int]]] = {
    "tensorflow": configure_tensorflow,
    "torch": configure_torch,
}


def apply_resources(res: JobResources, packages: tuple[str, ...]) -> dict[str, Any]:
    """Apply thread limits to the environment and to each framework the job uses; return what took effect."""
    os.environ.update(thread_env(res.threads))
    applied: dict[str, Any] = {"threads": res.threads, "pid": os.getpid(), "fresh_process": res.fresh_process}
    for package in packages:
        if package in FRAMEWORKS:
            applied[package] = FRAMEWORKS[package](res)
    return applied

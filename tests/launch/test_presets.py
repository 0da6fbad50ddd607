"""Launcher presets compose against the plugins' schemas and resolve to the intended per-job resources;
GPU slots are handed out one per running job (the assignment logic only: no GPU where this runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from protsweep import app
from protsweep.config_store import register_schemas
from protsweep.launch.gpus import gpu_slot, local_gpus
from protsweep.launch.resources import job_resources
from protsweep.resolvers import register_resolvers

from .overrides import group


@pytest.fixture(scope="module")
def compose_with_hydra():
    register_schemas()
    register_resolvers()

    def make(*overrides: str):
        with initialize_config_dir(str(app.config_dir()), version_base="1.3"):
            return compose("config", overrides=list(overrides), return_hydra_config=True)

    return make


def test_local_parallel_preset_gives_fresh_processes_and_a_share_of_the_cores(compose_with_hydra, monkeypatch):
    monkeypatch.setattr("protsweep.launch.resources.available_cores", lambda: 8)
    cfg = compose_with_hydra("hydra/launcher=local_parallel", "hydra.launcher.n_jobs=4")
    res = job_resources(cfg, cfg.hydra.launcher)
    assert (res.threads, res.fresh_process, res.local_parallel) == (2, True, True)


def test_slurm_preset_is_overridable_and_threads_follow_cpus_per_task(compose_with_hydra):
    cfg = compose_with_hydra(
        "hydra/launcher=slurm",
        "hydra.launcher.partition=gpu",
        "hydra.launcher.cpus_per_task=6",
        "hydra.launcher.gpus_per_node=1",
        "hydra.launcher.array_parallelism=3",
    )
    launcher = OmegaConf.to_container(cfg.hydra.launcher)
    assert launcher["_target_"] == "hydra_plugins.protsweep_launchers.submitit_launchers.SlurmLauncher"
    assert (launcher["partition"], launcher["gpus_per_node"], launcher["array_parallelism"]) == ("gpu", 1, 3)
    assert launcher["submitit_folder"] == "${hydra.sweep.dir}/.submitit/%j"  # output layout unchanged
    res = job_resources(cfg, cfg.hydra.launcher)
    assert (res.threads, res.fresh_process, res.local_parallel, res.gpus) == (6, False, False, ())


def test_submitit_local_preset_is_protsweeps_launcher_with_threads_from_cpus_per_task(compose_with_hydra):
    cfg = compose_with_hydra("hydra/launcher=submitit_local", "hydra.launcher.cpus_per_task=3")
    launcher = OmegaConf.to_container(cfg.hydra.launcher)
    assert launcher["_target_"] == "hydra_plugins.protsweep_launchers.submitit_launchers.LocalLauncher"
    assert launcher["submitit_folder"] == "${hydra.sweep.dir}/.submitit/%j"
    res = job_resources(cfg, cfg.hydra.launcher)
    assert (res.threads, res.fresh_process, res.local_parallel) == (3, False, True)


def test_resources_node_overrides_the_automatic_choices(compose_with_hydra):
    cfg = compose_with_hydra("hydra/launcher=local_parallel", group("resources", "default"), "resources.threads=3",
                             "resources.fresh_process=false")  # fmt: skip
    res = job_resources(cfg, cfg.hydra.launcher)
    assert (res.threads, res.fresh_process) == (3, False)


def test_each_running_job_holds_its_own_gpu(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    gpus = ("4", "7")
    with gpu_slot(gpus, tmp_path, 0) as first, gpu_slot(gpus, tmp_path, 0) as second:
        assert [first, second] == [{"CUDA_VISIBLE_DEVICES": "4"}, {"CUDA_VISIBLE_DEVICES": "7"}]
    with gpu_slot(gpus, tmp_path, 1) as again:  # both released; job 1 starts from its own slot
        assert again == {"CUDA_VISIBLE_DEVICES": "7"}
    with gpu_slot((), tmp_path, 0) as none:
        assert none == {}
    monkeypatch.setenv("SLURM_JOB_ID", "123")  # SLURM sets CUDA_VISIBLE_DEVICES itself
    with gpu_slot(gpus, tmp_path, 0) as under_slurm:
        assert under_slurm == {}


def test_local_gpus_follow_cuda_visible_devices(monkeypatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert local_gpus("auto") == ("2", "3")
    assert local_gpus(1) == ("2",)
    assert local_gpus(0) == ()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert local_gpus("auto") == ()

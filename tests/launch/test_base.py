"""``base=<variant>``: composed on top of every job, and refused when a job of the sweep would undo it."""

from __future__ import annotations

import pytest

from protsweep.app import config_dir
from protsweep.errors import ConfigError
from protsweep.launch.base import base_conflicts, check_base, override_keys
from protsweep.launch.outcome import expected_jobs

from ..conftest import compose_config


def sweep_jobs(*overrides: str) -> tuple[str | None, list[tuple[str, ...]]]:
    """(the base choice, every job's overrides) as the starting process sees them for ``protsweep OVERRIDES``."""
    cfg = compose_config(*overrides, return_hydra_config=True)
    jobs = expected_jobs(cfg)
    assert jobs is not None
    return cfg.hydra.runtime.choices.get("base"), jobs


def test_base_is_applied_to_every_arm_and_the_sweep_varies_only_its_factor() -> None:
    base, jobs = sweep_jobs("sweep=label_smoothing", "base=two_layer_head")
    assert base == "two_layer_head"
    check_base(config_dir(), base, jobs)  # label smoothing does not touch the head
    arms = {job for job in jobs if "seed=0" in job}
    assert len(arms) == 2
    composed = [compose_config("sweep=label_smoothing", "base=two_layer_head", *job) for job in arms]
    # every arm carries the base (the two-layer head), and the arms differ in the smoothing only
    assert {c.head._target_.rsplit(".", 1)[-1] for c in composed} == {"TwoLayerHead"}
    assert sorted(float(c.loss.label_smoothing) for c in composed) == [0.0, 0.05]
    without_base = compose_config("sweep=label_smoothing", "loss.label_smoothing=0.0")
    assert without_base.head._target_.endswith("DefaultHead")


def test_a_sweep_over_the_bases_own_choice_is_refused_naming_key_and_job() -> None:
    base, jobs = sweep_jobs("sweep=head", "base=two_layer_head")
    with pytest.raises(ConfigError, match=r"base=two_layer_head sets head, which the job 'head=default' also sets"):
        check_base(config_dir(), base, jobs)


def test_routes_on_a_base_refuse_the_variant_that_is_the_base_and_accept_it_excluded() -> None:
    base, jobs = sweep_jobs("sweep=routes", "base=focal")
    with pytest.raises(ConfigError, match=r"job 'variant=focal'.*variant=glob\(\*,exclude=focal\)"):
        check_base(config_dir(), base, jobs)
    # the command line's 'variant=glob(*,exclude=focal)' replaces the sweep file's parameter
    base, jobs = sweep_jobs("sweep=routes", "base=focal", "hydra.sweeper.params.variant='glob(*,exclude=focal)'")
    check_base(config_dir(), base, jobs)
    assert not any("variant=focal" in job for job in jobs)
    assert len(jobs) == 5 * (len(list((config_dir() / "variant").glob("*.yaml"))) - 1)


def test_a_smoothing_base_under_the_loss_sweep_is_kept_in_both_arms() -> None:
    """A base that sets a key inside a swept group (loss.label_smoothing under loss=bce,focal) is not undone:
    the base's value is merged after the group's option, so both losses are smoothed."""
    base, jobs = sweep_jobs("sweep=focal", "base=label_smoothing")
    assert base_conflicts(config_dir(), base, jobs) == []
    for loss in ("bce", "focal"):
        assert float(compose_config("sweep=focal", "base=label_smoothing", f"loss={loss}").loss.label_smoothing) == 0.05


def test_override_keys_reads_global_option_files_and_plain_keys() -> None:
    assert override_keys(config_dir(), "variant=layerwise_lr") == {"optimizer"}
    assert override_keys(config_dir(), "variant=label_smoothing") == {"loss.label_smoothing"}
    assert override_keys(config_dir(), "head=two_layer") == {"head"}  # a packaged group: the group itself
    assert override_keys(config_dir(), "+trainer.lr_full=0.001") == {"trainer.lr_full"}


def test_no_base_checks_nothing() -> None:
    check_base(config_dir(), None, [("head=default",)])

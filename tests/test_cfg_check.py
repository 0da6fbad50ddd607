"""Every closed or typed value fails at ``protsweep --cfg job`` (and at launch) in one line; ``--help`` lists
only real options."""

from __future__ import annotations

from pathlib import Path

import pytest

from protsweep.errors import ConfigError
from protsweep.launch.cfg_check import without_schemas
from protsweep.launch.values import check_composed

from .conftest import compose_config

BAD = [
    (("progress=sometimes",), "progress must be"),
    (("resources.threads=abc",), "resources.threads must be"),
    (("trainer.seq_len=long",), "trainer.seq_len must be"),
    (("model=siamese", "trainer.device=gpu0"), "trainer.device must be"),
    (("+trainer.bach_size=8",), "unknown config key(s) trainer.bach_size"),
]


@pytest.mark.parametrize(("overrides", "says"), BAD)
def test_bad_values_fail_the_composed_config_check(overrides: tuple[str, ...], says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        check_composed(compose_config("model=proteinbert_tiny", *overrides, return_hydra_config=True))


@pytest.mark.parametrize("overrides", [(), ("model=siamese", "trainer.device=cuda:1"), ("trainer.seq_len=512",),
                                       ("resources.threads=2",), ("progress=false",), ("sweep=routes",)])
def test_good_values_pass(overrides: tuple[str, ...]) -> None:
    check_composed(compose_config("model=proteinbert_tiny", *overrides, return_hydra_config=True))


@pytest.mark.parametrize(("overrides", "says"), BAD)
def test_cfg_job_fails_in_one_line(cli, tmp_path: Path, overrides: tuple[str, ...], says: str) -> None:
    out = cli([*overrides, "--cfg", "job"], cwd=tmp_path, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [out.stderr.strip()] and says in out.stderr, out.stderr[-2000:]


def test_help_lists_only_real_options(cli, tmp_path: Path) -> None:
    out = cli(["--help"], cwd=tmp_path, timeout=120)
    assert out.returncode == 0
    assert "_schema" not in out.stdout
    assert "loss: bce, contrastive, focal" in out.stdout
    assert without_schemas("loss: bce, bce_schema, focal\n  name: x_schema\n") == "loss: bce, focal\n  name: x_schema\n"

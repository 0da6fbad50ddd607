"""issue 25: progress lines say "epoch k/N"; each family tells the job its stages' planned epochs."""

from __future__ import annotations

import io

from protsweep.family import families
from protsweep.launch.progress import EpochProgress

from .conftest import compose_config


def test_proteinbert_plans_its_stages() -> None:
    cfg = compose_config("model=proteinbert_tiny", "trainer.epochs_frozen=3", "trainer.epochs_full=2")
    assert families()["proteinbert"].planned_epochs(cfg) == {"frozen": 3, "full": 2}
    cfg = compose_config("model=proteinbert_tiny", "trainer.epochs_frozen=0", "trainer.epochs_full=0")
    assert families()["proteinbert"].planned_epochs(cfg) == {}  # the runner reports the empty schedule


def test_siamese_plans_its_one_stage() -> None:
    cfg = compose_config("model=siamese", "embedder=esmc_tiny", "trainer.epochs=7")
    assert families()["siamese"].planned_epochs(cfg) == {"train": 7}


def test_epoch_lines_show_k_of_n() -> None:
    cfg = compose_config("model=proteinbert_tiny", "trainer.epochs_frozen=3", "trainer.epochs_full=2")
    out = io.StringIO()
    progress = EpochProgress(families()["proteinbert"].planned_epochs(cfg), setting="always", stream=out)
    progress.on_row({"stage": "frozen", "epoch": 1, "loss": 0.5})
    progress.on_row({"stage": "full", "epoch": 2, "loss": 0.4})
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("frozen epoch 1/3") and lines[1].startswith("full epoch 2/2")

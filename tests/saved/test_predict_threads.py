"""``protsweep-predict``'s CPU threads (issue 23): ``--threads`` when given, else what the saved run ran with
(the Siamese ``trainer.num_threads``, else ``resources.threads``), else the framework's default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from protsweep.family import family
from protsweep.launch.resources import THREAD_ENV_VARS
from protsweep.saved.threads import predict_threads, recorded_threads
from tests.conftest import run_cli
from tests.siamese.conftest import TINY
from tests.siamese.pairgen import write_pairs_csv

#: the trained run's trainer.num_threads (torch caps a thread variable at the cores, so 1 is seen everywhere)
CARD_THREADS = 1


def test_the_first_key_holding_a_positive_integer_wins() -> None:
    keys = family("siamese").thread_keys
    assert keys == ("trainer.num_threads", "resources.threads")
    assert recorded_threads({"trainer": {"num_threads": 2}, "resources": {"threads": 5}}, keys) == 2
    assert recorded_threads({"trainer": {"num_threads": None}, "resources": {"threads": 5}}, keys) == 5
    assert recorded_threads({"trainer": {"num_threads": None}, "resources": {"threads": "auto"}}, keys) is None
    assert recorded_threads({"resources": {"threads": True}}, keys) is None  # a flag is no count
    assert recorded_threads({}, keys) is None
    assert recorded_threads({"resources": {"threads": 4}, "trainer": {"num_threads": 2}},
                            family("proteinbert").thread_keys) == 4


def test_threads_given_win_else_the_fewest_the_ensembles_runs_recorded() -> None:
    keys = ("trainer.num_threads",)
    cards = {0: {"config": {"trainer": {"num_threads": 4}}}, 1: {"config": {"trainer": {"num_threads": 2}}}}
    assert predict_threads(None, cards, keys) == 2
    assert predict_threads(6, cards, keys) == 6
    assert predict_threads(None, {0: {"config": {"trainer": {"num_threads": None}}}}, keys) is None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("predict_threads")
    pairs = write_pairs_csv(root / "pairs.csv", n_proteins=30, n_pairs=90, seed=0)
    overrides = [o for o in TINY if not o.startswith(("trainer.epochs=", "trainer.num_threads="))]
    done = run_cli(["model=siamese", "data=pairs_csv", f"data.source.path={pairs}", f"paths.cache_dir={root / 'cache'}",
                    *overrides, "trainer.epochs=1", f"trainer.num_threads={CARD_THREADS}", "reuse.enabled=false",
                    f"hydra.run.dir={root / 'run'}"], cwd=root)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (root / "score.csv").write_text((root / "pairs.csv").read_text())
    return root / "run"


def threads_after_predict(run_dir: Path, *extra: str) -> tuple[str | None, int]:
    """(OMP_NUM_THREADS, torch's intra-op threads) in a fresh ``protsweep-predict`` process started with no
    thread variable set, after it scored."""
    code = ("import os, sys; from protsweep.predict_cli import main; rc = main(sys.argv[1:]); "
            "import torch; print(os.environ.get('OMP_NUM_THREADS'), torch.get_num_threads()); sys.exit(rc)")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_ENV_VARS}
    args = [str(run_dir), "--input", str(run_dir.parent / "score.csv"), "--out", str(run_dir.parent / "out.csv"),
            "--force", "--progress", "never", *extra]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600,
                          env={**env, "USE_TF": "0"}, cwd=run_dir.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    variable, torch_threads = done.stdout.strip().splitlines()[-1].split()
    return (None if variable == "None" else variable), int(torch_threads)


@pytest.mark.slow
def test_predict_runs_with_the_cards_threads_unless_told(run_dir: Path) -> None:
    assert threads_after_predict(run_dir) == (str(CARD_THREADS), CARD_THREADS)
    assert threads_after_predict(run_dir, "--threads", "2") == ("2", min(2, len(os.sched_getaffinity(0))))

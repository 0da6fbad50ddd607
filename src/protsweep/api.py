"""protsweep from Python (a notebook): run a job or a sweep from a list of overrides, load a sweep's tables,
load a saved model and score sequences (or pairs) in memory.

    from protsweep import api
    run_dir = api.run(["model=proteinbert_tiny", "data.limit=200", "trainer.epochs_frozen=1", "trainer.epochs_full=0"])
    sweep_dir = api.sweep(["sweep=label_smoothing", "model=proteinbert_tiny", "data.limit=200", "seed=0,1"])
    results = api.load_results(sweep_dir)        # .per_run, .summary, .comparisons (pandas DataFrames)
    model = api.load_model(run_dir)              # or a sweep folder with variant=["loss.label_smoothing=0.05"]
    model.score(["MKTAYIAKQR", "GLFDIVKKV"])      # id, sequence, prob, prob_raw, per-seed columns

A job or sweep runs as the ``protsweep`` command does, in a child process (``python -m protsweep``): the same
Hydra composition, locks, run records and exit status, and each job's framework state stays out of the
notebook. A failure raises :class:`RunFailedError` with the command's error lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.utils import get_class

from protsweep.aggregate.api import aggregate
from protsweep.aggregate.result import Results
from protsweep.aggregate.saved_runs import select_runs
from protsweep.calibration.calibrators import Calibrator
from protsweep.data.dataset import sequence_id
from protsweep.data.pairs.pipeline import pair_id
from protsweep.errors import ProtsweepError
from protsweep.family import family as family_of
from protsweep.predict_cli import ensemble_frame
from protsweep.saved import read_card
from protsweep.saved.residues import ResiduePolicy

#: where :func:`run` and :func:`sweep` put their folders unless told (relative to ``cwd``), as the command does
RUNS_ROOT = Path("outputs") / "runs"
SWEEPS_ROOT = Path("outputs") / "sweeps"
#: what a scored sequence is called in error lines
IN_MEMORY = "<sequences>"


class RunFailedError(ProtsweepError):
    """A job or sweep started from Python exited non-zero; the message holds its error lines."""


def _stamp() -> str:
    return datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")


def _protsweep(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "USE_TF": "0", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, "-m", "protsweep", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith("protsweep")]
        tail = "\n".join(lines or done.stderr.strip().splitlines()[-5:])
        raise RunFailedError(f"protsweep {' '.join(args)} exited {done.returncode}:\n{tail}")
    return done


def run(overrides: Sequence[str] = (), *, out_dir: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None) -> Path:
    """Run one job (``protsweep OVERRIDES``) and return its folder (``out_dir``, default
    ``outputs/runs/api-<time>`` under ``cwd``)."""
    base = Path(cwd or Path.cwd()).resolve()
    folder = (base / (out_dir or RUNS_ROOT / f"api-{_stamp()}")).resolve()
    _protsweep([*overrides, "hydra.mode=RUN", f"hydra.run.dir={folder}"], base)
    return folder


def sweep(overrides: Sequence[str] = (), *, out_dir: str | os.PathLike[str] | None = None,
          cwd: str | os.PathLike[str] | None = None) -> Path:
    """Run a sweep (``protsweep -m OVERRIDES``, e.g. ``["sweep=label_smoothing", "seed=0,1"]``) and return its
    folder (``out_dir``, default ``outputs/sweeps/api-<time>`` under ``cwd``)."""
    base = Path(cwd or Path.cwd()).resolve()
    folder = (base / (out_dir or SWEEPS_ROOT / f"api-{_stamp()}")).resolve()
    _protsweep(["-m", *overrides, f"hydra.sweep.dir={folder}"], base)
    return folder


def load_results(*dirs: str | os.PathLike[str], **options: Any) -> Results:
    """A sweep's (or several sweeps', or runs') tables: ``per_run``, ``summary``, ``comparisons``, ``coverage``,
    ``variants``, ``splits`` (the aggregator's :class:`Results`; ``options`` as :func:`aggregate`'s)."""
    return aggregate(list(dirs), **options)


@dataclass
class SavedModel:
    """A run's saved model, or the seed ensemble of one variant of a sweep (as ``protsweep-predict``)."""

    runs: dict[int, Path]
    cards: dict[int, dict[str, Any]]
    family: str
    kind: str  #: ``single`` (sequences) or ``pairs`` (two sequences per example)
    alphabet: str
    cache_dir: str | None = None
    nonstandard: str = "refuse"  #: see :mod:`protsweep.saved.residues`: map, skip or refuse

    def inputs(self, examples: Sequence[str] | Sequence[tuple[str, str]] | Mapping[str, Any]) -> pd.DataFrame:
        """The input table the predictors read: sequences (a list, or ``{id: sequence}``), or pairs (a list of
        ``(seq_a, seq_b)``); ids derived from the sequences as in training when not given."""
        items = list(examples.items()) if isinstance(examples, Mapping) else [(None, e) for e in examples]
        policy = ResiduePolicy(self.nonstandard)
        if self.kind == "pairs":
            checked = [(policy.sequence(e[0], self.alphabet, IN_MEMORY, i, "seq_a"),
                        policy.sequence(e[1], self.alphabet, IN_MEMORY, i, "seq_b")) for i, (_, e) in enumerate(items)]
            items = [(k, pair) for (k, _), pair in zip(items, checked, strict=True) if None not in pair]
            seq_a, seq_b = [p[0] for _, p in items], [p[1] for _, p in items]
            id_a, id_b = [sequence_id(s) for s in seq_a], [sequence_id(s) for s in seq_b]
            return pd.DataFrame({
                "id": [k if k is not None else pair_id(a, b) for (k, _), a, b in zip(items, id_a, id_b, strict=True)],
                "sequence": [f"{a}:{b}" for a, b in zip(seq_a, seq_b, strict=True)],
                "id_a": id_a, "id_b": id_b, "seq_a": seq_a, "seq_b": seq_b,
            })
        checked = [policy.sequence(e, self.alphabet, IN_MEMORY, i, "sequence") for i, (_, e) in enumerate(items)]
        items = [(k, s) for (k, _), s in zip(items, checked, strict=True) if s is not None]
        sequences = [s for _, s in items]
        ids = [k if k is not None else sequence_id(s) for (k, _), s in zip(items, sequences, strict=True)]
        return pd.DataFrame({"id": [str(i) for i in ids], "sequence": sequences})

    def score(self, examples: Sequence[str] | Sequence[tuple[str, str]] | Mapping[str, Any]) -> pd.DataFrame:
        """``id, sequence, prob, prob_raw`` and each seed's columns, as ``protsweep-predict``'s CSV (a record
        the ``nonstandard`` policy skips has no row)."""
        inputs = self.inputs(examples)
        predictor_class = get_class(family_of(self.family).predictor)
        raw: dict[int, np.ndarray] = {}
        calibrated: dict[int, np.ndarray] = {}
        for seed, path in self.runs.items():
            predictor = predictor_class(path, self.cards[seed], cache_dir=self.cache_dir)
            raw[seed] = predictor.predict_raw(inputs)
            calibrated[seed] = Calibrator.from_params(self.cards[seed]["calibration"]).transform(raw[seed])
        return ensemble_frame(inputs, raw, calibrated)


def load_model(path: str | os.PathLike[str], variant: Sequence[str] = (), cache_dir: str | None = None,
               nonstandard: str = "map") -> SavedModel:
    """The saved model of a run folder, or of a sweep folder's variant (``["head=two_layer"]``: its seeds);
    ``nonstandard``: what scoring does with a residue outside the model's alphabet (map, skip, refuse)."""
    runs = select_runs(path, variant)
    cards = {seed: read_card(run_dir) for seed, run_dir in runs.items()}
    families = {card["family"] for card in cards.values()}
    if len(families) != 1:
        raise ProtsweepError(f"the selected runs mix model families ({', '.join(sorted(families))})")
    data = next(iter(cards.values()))["config"]["data"]
    return SavedModel(runs, cards, families.pop(), str(data.get("kind") or "single"), str(data["alphabet"]),
                      cache_dir, nonstandard)

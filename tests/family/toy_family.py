"""The files of a toy third model family, written into a temporary package by the tests: a logistic regression
on amino-acid composition (scikit-learn), with its own config schemas, option files, runner, save/load adapter
and predictor. Nothing in protsweep names it: the registry finds it through the ``protsweep.families`` entry
point of its distribution (a ``*.dist-info`` folder beside the package, as ``pip install`` would leave)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = "toy_family"

FAMILY_PY = '''
from dataclasses import dataclass
from pathlib import Path

from omegaconf import MISSING

from protsweep.errors import ConfigError
from protsweep.family import Family
from protsweep.schema import BceLossConfig, Config, ModelConfig, TrainerConfig


@dataclass
class ToyModelConfig(ModelConfig):
    family: str = "toy"
    c: float = 1.0  # inverse regularisation strength of the logistic regression


@dataclass
class ToyTrainerConfig(TrainerConfig):
    max_iter: int = 500


@dataclass
class ToyConfig(Config):
    model: ToyModelConfig = MISSING
    trainer: ToyTrainerConfig = MISSING


def check(cfg):
    if cfg.loss.name != "bce":
        raise ConfigError(f"loss={cfg.loss.name} does not apply to the toy family (use loss=bce)")


FAMILY = Family(
    name="toy",
    runner="toy_family.runner.train_and_evaluate",
    predictor="toy_family.runner.ToyPredictor",
    example_model="toy",
    packages=("scikit-learn",),
    schemas={
        (None, "toy_config_schema"): ToyConfig,
        ("model", "toy_schema"): ToyModelConfig,
        ("trainer", "toy_trainer_schema"): ToyTrainerConfig,
    },
    losses=(BceLossConfig,),
    check=check,
    conf_dir=Path(__file__).parent / "conf",
)
'''

RUNNER_PY = '''
import json

import numpy as np
from hydra.utils import instantiate
from sklearn.linear_model import LogisticRegression

from protsweep.data.dataset import load_split_data
from protsweep.record import PREDICTION_SPLITS, write_outputs
from protsweep.saved.card import verified_weights
from protsweep.saved.store import finish_run

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"


def composition(sequences):
    return np.array([[s.count(a) / max(len(s), 1) for a in AMINO_ACIDS] for s in sequences])


class ToyModelIO:
    weights_name = "model.json"
    weights_format = "json (logistic regression)"

    def __init__(self, model):
        self.model = model

    def save_weights(self, path):
        weights = {"coef": self.model.coef_[0].tolist(), "intercept": float(self.model.intercept_[0])}
        path.write_text(json.dumps(weights))

    def summary(self):
        return f"logistic regression on the composition of {len(AMINO_ACIDS)} amino acids\\n"


def train_and_evaluate(cfg, run_dir, record):
    record.stage_started("train")
    data = load_split_data(cfg.data)
    model = LogisticRegression(C=float(cfg.model.c), max_iter=int(cfg.trainer.max_iter))
    model.fit(composition(data.train["sequence"]), data.train["label"].to_numpy())
    record.stage_finished("train")
    raw = {s: model.predict_proba(composition(data.split(s)["sequence"]))[:, 1] for s in PREDICTION_SPLITS}
    examples = {s: data.split(s) for s in PREDICTION_SPLITS}
    write_outputs(record, examples, raw, instantiate(cfg.calibration), {"best_epoch": 1, "epochs_run": 1})
    finish_run(cfg, run_dir, record, ToyModelIO(model), {"features": AMINO_ACIDS})


class ToyPredictor:
    input_kind = "single"

    def __init__(self, run_dir, card, cache_dir=None):
        weights = json.loads(verified_weights(run_dir, card).read_text())
        self.coef = np.array(weights["coef"])
        self.intercept = weights["intercept"]

    def predict_raw(self, inputs, advance=None):
        logits = composition(inputs["sequence"]) @ self.coef + self.intercept
        if advance is not None:
            advance(len(inputs))
        return 1.0 / (1.0 + np.exp(-logits))
'''

CONF = {
    "model/toy.yaml": "defaults:\n  - toy_schema\n  - /family@_global_: toy\nname: toy\n",
    "family/toy.yaml": "# @package _global_\ndefaults:\n  - /toy_config_schema\n  - /data: amp_modlamp\n"
                       "  - /trainer: toy\n",
    "trainer/toy.yaml": "defaults:\n  - toy_trainer_schema\n",
}

ENTRY_POINTS = "[protsweep.families]\ntoy = toy_family.family:FAMILY\n"
METADATA = "Metadata-Version: 2.1\nName: toy-family\nVersion: 0.1\n"


def write_toy_family(root: Path) -> list[Path]:
    """Write the package, its option files and its distribution metadata under ``root``; the files written."""
    files = {
        f"{PACKAGE}/__init__.py": "",
        f"{PACKAGE}/family.py": FAMILY_PY,
        f"{PACKAGE}/runner.py": RUNNER_PY,
        **{f"{PACKAGE}/conf/{name}": text for name, text in CONF.items()},
        "toy_family-0.1.dist-info/METADATA": METADATA,
        "toy_family-0.1.dist-info/entry_points.txt": ENTRY_POINTS,
    }
    written = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))
        written.append(path)
    return written

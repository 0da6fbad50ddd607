"""A model folder holds no code (issue 21, point 1): every payload planted in a model card or its weights is
refused in one line by ``protsweep-predict``, before anything is imported or built, and never runs. The run
folders are built here (no framework, no training): the checks under test come before any model exists."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file

from protsweep.saved.card import CARD_FORMAT, card_path, model_dir, sha256_file, shape_mismatch, weights_entry

CONFIG: dict[str, Any] = {
    "seed": 0,
    "model": {"name": "proteinbert_tiny", "family": "proteinbert", "runner": "protsweep.proteinbert.runner.run"},
    "data": {"alphabet": "protein", "source": {"_target_": "protsweep.data.sources.ModlampSource"}},
    "features": {"_target_": "protsweep.proteinbert.features.LastGlobal"},
    "head": {"_target_": "protsweep.proteinbert.heads.DefaultHead", "dropout": 0.5},
}
CALIBRATION = {"_target_": "protsweep.calibration.calibrators.Identity", "name": "none", "n_bins": 10}


class Payload:
    """A pickle that creates ``marker`` when loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def make_run(root: Path, weights: dict[str, np.ndarray] | None = None, **card_changes: Any) -> Path:
    """A completed run with a saved model whose card carries ``card_changes`` (dotted key -> value)."""
    run = root / "run"
    model_dir(run).mkdir(parents=True)
    path = model_dir(run) / "model.safetensors"
    save_file(weights or {"00000": np.ones((2, 2), dtype=np.float32)}, str(path))
    card: dict[str, Any] = {"format": CARD_FORMAT, "family": "proteinbert",
                            "weights": weights_entry(path, "safetensors"),
                            "config": json.loads(json.dumps(CONFIG)), "calibration": dict(CALIBRATION),
                            "family_settings": {"seq_len": 32, "padding": "pad", "n_annotations": 16,
                                                "eval_batch_size": 8}}
    for dotted, value in card_changes.items():
        node = card
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    card_path(run).write_text(json.dumps(card))
    (run / "run.json").write_text(json.dumps({"status": "completed", "seed": 0}))
    return run


def predict(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``protsweep-predict ARGS`` in a subprocess whose TensorFlow and torch refuse to import."""
    shadow = cwd / "shadow"
    for name in ("tensorflow", "torch"):
        (shadow / name).mkdir(parents=True, exist_ok=True)
        (shadow / name / "__init__.py").write_text(f"raise ImportError('{name} was imported')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "protsweep.predict_cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stderr[-2000:]
    assert "Traceback" not in out.stderr + out.stdout
    assert "was imported" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("protsweep-predict: error: ")
    return lines[0]


def _pickle(tmp: Path) -> Path:
    path = tmp / "payload.pkl"
    path.write_bytes(pickle.dumps(Payload(tmp / "PWNED")))
    return path


#: payload -> (card changes given the test folder, what the error line says)
PAYLOADS: dict[str, tuple[Callable[[Path], dict[str, Any]], str]] = {
    "pandas.read_pickle": (
        lambda t: {"config__features": {"_target_": "pandas.read_pickle", "filepath_or_buffer": str(_pickle(t))}},
        "features._target_='pandas.read_pickle' is not one of protsweep's registered components",
    ),
    "os.system": (
        lambda t: {"config__head": {"_target_": "os.system", "command": f"touch {t / 'PWNED'}"}},
        "head._target_='os.system' is not one of",
    ),
    "subprocess": (
        lambda t: {"config__head": {"_target_": "subprocess.run", "args": ["touch", str(t / "PWNED")]}},
        "head._target_='subprocess.run' is not one of",
    ),
    "builtins.eval": (
        lambda t: {"config__features": {"_target_": "builtins.eval",
                                         "_args_": [f"open({str(t / 'PWNED')!r}, 'w')"]}},
        "features._target_='builtins.eval' is not one of",
    ),
    "numpy.load-pickle": (
        lambda t: {"config__data__source": {"_target_": "numpy.load", "file": str(_pickle(t)), "allow_pickle": True}},
        "data.source._target_='numpy.load' is not one of",
    ),
    "calibration-payload": (
        lambda t: {"calibration": {"_target_": "pandas.read_pickle", "filepath_or_buffer": str(_pickle(t))}},
        "calibration._target_='pandas.read_pickle' is not one of",
    ),
    "calibration-not-a-calibrator": (
        lambda t: {"calibration": {"_target_": "protsweep.proteinbert.heads.DefaultHead", "name": "none"}},
        "calibration._target_='protsweep.proteinbert.heads.DefaultHead' is not one of",
    ),
    "head-of-another-group": (
        lambda t: {"config__head": {"_target_": "protsweep.augment.RandomTruncation"}},
        "head._target_='protsweep.augment.RandomTruncation' is not one of",
    ),
    "nested-target": (
        lambda t: {"config__head": {"_target_": "protsweep.proteinbert.heads.DefaultHead",
                                    "dropout": {"_target_": "os.system", "command": f"touch {t / 'PWNED'}"}}},
        "head.dropout._target_='os.system' is not one of",
    ),
    "calibration-out-of-range": (
        lambda t: {"calibration": {"_target_": "protsweep.calibration.calibrators.Isotonic", "name": "isotonic",
                                   "n_bins": 10, "x": [0.0, 1.0], "y": [5.0, 6.0]}},
        "the card's calibration maps probabilities outside [0, 1] (e.g. to 5.0)",
    ),
    "calibration-bad-arguments": (
        lambda t: {"calibration": {"_target_": "protsweep.calibration.calibrators.Platt", "command": "touch"}},
        "the card's calibration cannot be rebuilt",
    ),
    "family-evil": (lambda t: {"family": "evil"}, "family 'evil' is not a protsweep model family"),
}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_planted_card_payload_never_runs_and_is_one_line(tmp_path: Path, payload: str) -> None:
    changes, message = PAYLOADS[payload]
    run = make_run(tmp_path, **changes(tmp_path))
    (tmp_path / "in.fasta").write_text(">a\nACDEK\n")
    out = predict([str(run), "--input", "in.fasta", "--out", "out.csv"], tmp_path)
    line = one_line_error(out)
    assert message in line, line
    assert str(card_path(run)) in line or payload in ("nested-target", "calibration-out-of-range",
                                                      "calibration-bad-arguments")
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "out.csv").exists()


def test_a_card_changed_after_saving_is_refused_by_its_recorded_sha256(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    recorded = sha256_file(card_path(run))
    info = {"status": "completed", "seed": 0, "saved_model": {"card_sha256": recorded}}
    (run / "run.json").write_text(json.dumps(info))
    card = json.loads(card_path(run).read_text())
    card["family_settings"]["seq_len"] = 64
    card_path(run).write_text(json.dumps(card))
    (tmp_path / "in.fasta").write_text(">a\nACDEK\n")
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", "out.csv"], tmp_path))
    assert "checksum differs from the one its run recorded" in line


@pytest.mark.parametrize("family", ["proteinbert", "siamese"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_weights_are_refused_before_any_model_is_built(tmp_path: Path, value: float, family: str) -> None:
    weights = {"00000": np.ones((2, 2), dtype=np.float32), "00001": np.array([0.0, value], dtype=np.float32)}
    run = make_run(tmp_path, weights=weights, family=family)
    (tmp_path / "in.fasta").write_text(">a\nACDEK\n")
    line = one_line_error(predict([str(run), "--input", "in.fasta", "--out", "out.csv"], tmp_path))
    assert "model.safetensors: tensor '00001' holds 1 non-finite value(s)" in line


def test_a_weights_shape_mismatch_reads_right() -> None:
    assert shape_mismatch([(2, 2)] * 53, [(2, 2)] * 52) == "the file holds 53 arrays, the model has 52 weights"
    found, wanted = [(2, 2), (3,), (4,)], [(2, 2), (5,), (6,)]
    assert shape_mismatch(found, wanted) == ("2 of the 3 arrays differ in shape from the model's weights "
                                             "(first: array 1 is (3,), the model's weight is (5,))")

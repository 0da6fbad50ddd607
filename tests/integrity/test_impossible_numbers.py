"""Numbers that cannot be right are refused (issue 21, point 5): probabilities that are NaN, infinite or outside
[0, 1] when predictions are written and when the aggregator reads them; calibrators only by registered name."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protsweep.aggregate.predictions import read_predictions
from protsweep.calibration.calibrators import CALIBRATORS, Calibrator, Platt
from protsweep.errors import ProtsweepError
from protsweep.record.outputs import write_outputs
from protsweep.record.writer import RunRecord

GOOD = {"prob": [0.2, 0.7, 0.4, 0.9], "prob_raw": [0.1, 0.8, 0.3, 0.95]}


def predictions(path: Path, **columns: list[float]) -> Path:
    frame = pd.DataFrame({"split": ["test"] * 4, "id": list("abcd"), "label": [0, 1, 0, 1], **GOOD, **columns})
    frame.to_csv(path, index=False)
    return path


def test_sound_predictions_are_read(tmp_path: Path) -> None:
    test = read_predictions(predictions(tmp_path / "p.csv"))["test"]
    assert test.probs.tolist() == [0.1, 0.8, 0.3, 0.95]  # discrimination reads the raw scores


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("prob", [0.2, np.nan, 0.4, 0.9], "1 prob value(s) missing, not finite or outside"),
        ("prob", [0.2, 1.5, -0.1, 0.9], "2 prob value(s) missing, not finite or outside"),
        ("prob_raw", [0.2, np.inf, 0.4, 0.9], "1 test prob value(s) missing or not finite"),
        ("prob_raw", [0.2, 0.5, 0.4, 1.01], "1 test score value(s) missing, not finite or outside [0, 1]"),
    ],
    ids=["nan-calibrated", "out-of-range-calibrated", "inf-raw", "above-one-raw"],
)
def test_impossible_probabilities_make_the_run_unreadable(tmp_path: Path, column: str, values, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        read_predictions(predictions(tmp_path / "p.csv", **{column: values}))


def _examples(n: int) -> pd.DataFrame:
    ids = [f"s{i}" for i in range(n)]
    return pd.DataFrame({"id": ids, "sequence": ["ACDE"] * n, "label": [i % 2 for i in range(n)]})


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1.2, -0.2])
def test_impossible_model_probabilities_are_one_error_and_nothing_is_written(tmp_path: Path, bad: float) -> None:
    record = RunRecord(tmp_path)
    record.start()
    scores = {"valid": np.array([0.1, 0.9, 0.2, 0.8]), "test": np.array([0.3, bad, 0.6, 0.7])}
    with pytest.raises(ProtsweepError, match=r"test: the model's probabilities: 1 of 4 are NaN, infinite or outside"):
        write_outputs(record, {"valid": _examples(4), "test": _examples(4)}, scores, Platt())
    assert not (tmp_path / "predictions.csv").exists() and not (tmp_path / "metrics.json").exists()


@pytest.mark.parametrize("target", ["os.system", "protsweep.proteinbert.heads.DefaultHead", "pandas.read_pickle"])
def test_only_registered_calibrators_are_rebuilt(target: str) -> None:
    with pytest.raises(ValueError, match="is not a calibrator"):
        Calibrator.from_params({"_target_": target, "name": "x"})
    fitted = Platt().fit([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1])
    again = Calibrator.from_params(fitted.params())
    assert type(again) is Platt and again.params() == fitted.params()
    assert set(CALIBRATORS) == {f"protsweep.calibration.calibrators.{n}" for n in ("Identity", "Platt", "Isotonic")}

"""Fast checks of the saved-model pieces that need no framework: the card and its checksum, the predict input
reader, the ensemble table, the metric lines and the curves plot."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from protsweep.errors import DataError, ProtsweepError
from protsweep.predict_cli import ensemble_frame, metric_lines
from protsweep.record.contract import HISTORY_COLUMNS
from protsweep.record.plots import stage_starts, write_curves
from protsweep.saved.card import CARD_FORMAT, card_path, model_dir, read_card, verified_weights, weights_entry
from protsweep.saved.inputs import read_inputs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def saved_run(tmp_path: Path, payload: bytes = b"weights") -> Path:
    run = tmp_path / "run"
    weights = model_dir(run) / "model.safetensors"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(payload)
    card = {"format": CARD_FORMAT, "family": "siamese", "weights": weights_entry(weights, "safetensors"),
            "config": {}, "calibration": {}, "family_settings": {}}
    card_path(run).write_text(json.dumps(card))
    return run


def test_the_card_checksum_is_the_files_sha256_and_a_changed_byte_is_refused(tmp_path: Path) -> None:
    import hashlib

    run = saved_run(tmp_path, b"0123456789" * 100)
    card = read_card(run, "siamese")
    assert card["weights"]["sha256"] == hashlib.sha256(b"0123456789" * 100).hexdigest()
    assert card["weights"]["bytes"] == 1000
    assert verified_weights(run, card) == model_dir(run) / "model.safetensors"
    (model_dir(run) / "model.safetensors").write_bytes(b"1123456789" + b"0123456789" * 99)
    with pytest.raises(ProtsweepError, match=r"model\.safetensors: checksum mismatch"):
        verified_weights(run, card)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_text("{not json"), "not a readable model card"),
        (lambda p: p.write_text(json.dumps({"format": CARD_FORMAT})), "missing family"),
        (lambda p: p.unlink(), "no saved model"),
    ],
)
def test_a_damaged_card_is_one_error_naming_it(tmp_path: Path, damage, message: str) -> None:
    run = saved_run(tmp_path)
    damage(card_path(run))
    with pytest.raises(ProtsweepError, match=message) as err:
        read_card(run)
    assert str(card_path(run)) in str(err.value) and "\n" not in str(err.value)


def test_a_card_of_the_other_family_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProtsweepError, match="a siamese model, not a proteinbert one"):
        read_card(saved_run(tmp_path), "proteinbert")


def test_fasta_input_with_labels_in_every_header(tmp_path: Path) -> None:
    fasta = tmp_path / "in.fasta"
    fasta.write_text(">a label=1\nacdk\n>b label=0\nMKV\n")
    frame = read_inputs(fasta, "single", "ACDEFGHIKLMNPQRSTVWY")
    assert frame.to_dict("list") == {"id": ["a", "b"], "sequence": ["ACDK", "MKV"], "label": [1, 0]}


def test_csv_input_without_ids_gets_the_training_ids(tmp_path: Path) -> None:
    from protsweep.data.dataset import sequence_id

    table = tmp_path / "in.csv"
    table.write_text("sequence\nACDK\nMKV\n")
    frame = read_inputs(table, "single", "ACDEFGHIKLMNPQRSTVWY")
    assert frame["id"].tolist() == [sequence_id("ACDK"), sequence_id("MKV")] and "label" not in frame


@pytest.mark.parametrize(
    ("name", "text", "kind", "message"),
    [
        ("bad.csv", "sequence,label\nACDK,1\nACXK,0\n", "single", r"bad\.csv, row 3, field 'sequence': character 'X'"),
        ("bad.csv", "sequence,label\nACDK,2\n", "single", r"row 2, field 'label': label '2' is not 0 or 1"),
        ("bad.csv", "seq,label\nACDK,1\n", "single", "missing sequence column 'sequence'"),
        ("bad.fasta", ">a label=1\nACD\n>b\nKL\n", "single", r"row 3: header has no label"),
        ("pairs.fasta", ">a\nACD\n", "pairs", "pairs need a CSV/TSV"),
        ("pairs.csv", "seq_a,seq_b\nACD,\n", "pairs", r"row 2, field 'seq_b': sequence is empty"),
    ],
)
def test_bad_input_is_one_line_naming_file_and_row(
    tmp_path: Path, name: str, text: str, kind: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_inputs(path, kind, "ACDEFGHIKLMNPQRSTVWY")


def test_pair_input_ids_and_sequences(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("id_a,id_b,seq_a,seq_b,label\nZ,A,ACD,KLM,1\n")
    row = read_inputs(path, "pairs", "ACDEFGHIKLMNPQRSTVWY").iloc[0]
    assert (row["id"], row["sequence"], row["label"]) == ("A|Z", "ACD:KLM", 1)


def test_the_ensemble_columns_are_means_over_seeds() -> None:
    inputs = pd.DataFrame({"id": ["a", "b", "c"], "sequence": ["A", "C", "D"], "label": [1, 0, 1]})
    raw = {0: np.array([0.2, 0.4, 0.9]), 3: np.array([0.4, 0.1, 0.5])}
    calibrated = {0: np.array([0.3, 0.5, 0.8]), 3: np.array([0.5, 0.2, 0.6])}
    out = ensemble_frame(inputs, raw, calibrated)
    assert list(out.columns) == ["id", "sequence", "label", "prob", "prob_raw",
                                 "prob_seed0", "prob_raw_seed0", "prob_seed3", "prob_raw_seed3"]
    np.testing.assert_allclose(out["prob_raw"], [0.3, 0.25, 0.7])
    np.testing.assert_allclose(out["prob"], [0.4, 0.35, 0.7])


def test_metric_lines_give_sklearn_values_inside_their_intervals() -> None:
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(30, int), np.zeros(40, int)]
    scores = np.clip(labels * 0.3 + rng.normal(0.4, 0.2, labels.size), 0, 1)
    line = metric_lines({"seed 0": scores}, labels, n_boot=300)[1]
    auc, auprc = roc_auc_score(labels, scores), average_precision_score(labels, scores)
    assert line.startswith(f"seed 0: AUC {auc:.4f} [") and f"AUPRC {auprc:.4f} [" in line
    lo, hi = (float(v) for v in line.split("AUC ")[1].split("[")[1].split("]")[0].split(","))
    assert lo < auc < hi
    assert "need both classes" in metric_lines({"x": scores}, np.ones(70, int), 10)[0]


def test_curves_png_marks_each_stage(tmp_path: Path) -> None:
    history = pd.DataFrame(
        [["frozen", 1, 0.7, 0.69, 0.6, 1e-2], ["frozen", 2, 0.6, 0.65, 0.7, 1e-2], ["full", 1, 0.5, 0.6, 0.75, 1e-4]],
        columns=HISTORY_COLUMNS,
    )
    assert stage_starts(history["stage"]) == [(0, "frozen"), (2, "full")]
    history.to_csv(tmp_path / "history.csv", index=False)
    out = write_curves(tmp_path / "history.csv", tmp_path / "curves.png")
    assert out.read_bytes()[:8] == PNG_MAGIC
    height, width, _ = matplotlib.image.imread(out).shape
    assert width > height > 100

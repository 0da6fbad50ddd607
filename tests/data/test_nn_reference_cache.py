"""The nearest-neighbour reference is cached per training/test content and settings, and checked before reuse."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from protsweep.data import nn_reference
from protsweep.data.nn_reference import REFERENCE_SETTINGS, nearest_neighbour_scores
from protsweep.data.nn_reference_cache import FOLDER, MAGIC, SPOT_ROWS, entry_header
from protsweep.framed import decode_frame, encode_frame
from tests.data.test_clusters import family_frame


@pytest.fixture
def calls(monkeypatch):
    """The number of test rows of each computation of the reference."""
    sizes = []
    real = nn_reference.computed_scores

    def counting(train, test):
        sizes.append(len(test))
        return real(train, test)

    monkeypatch.setattr(nn_reference, "computed_scores", counting)
    return sizes


def single_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = family_frame(30).reset_index(drop=True)
    test = frame["family"] % 5 == 0
    return frame[~test].reset_index(drop=True), frame[test].reset_index(drop=True)


def pair_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    proteins = family_frame(20)["sequence"].tolist()
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, len(proteins), (2, 120))
    frame = pd.DataFrame({"seq_a": [proteins[i] for i in a], "seq_b": [proteins[i] for i in b],
                          "label": rng.integers(0, 2, 120)})
    return frame.iloc[:90].reset_index(drop=True), frame.iloc[90:].reset_index(drop=True)


def entries(cache):
    return list((cache / FOLDER).glob("*"))


@pytest.mark.parametrize("split", [single_split, pair_split])
def test_the_second_computation_reads_the_cache(tmp_path, calls, split) -> None:
    train, test = split()
    uncached = nn_reference.computed_scores(train, test)
    first = nearest_neighbour_scores(train, test, str(tmp_path))
    second = nearest_neighbour_scores(train, test, str(tmp_path))
    np.testing.assert_array_equal(first, uncached)
    np.testing.assert_array_equal(second, uncached)
    assert calls == [len(test), len(test), SPOT_ROWS]  # uncached, first (computed), second: only the spot check
    assert len(entries(tmp_path)) == 1


def test_another_split_or_label_is_another_entry(tmp_path, calls) -> None:
    train, test = single_split()
    nearest_neighbour_scores(train, test, str(tmp_path))
    flipped = train.assign(label=np.where(np.arange(len(train)) == 0, 1 - train["label"], train["label"]))
    nearest_neighbour_scores(flipped, test, str(tmp_path))
    nearest_neighbour_scores(train, test.iloc[1:], str(tmp_path))
    assert calls == [len(test), len(test), len(test) - 1] and len(entries(tmp_path)) == 3


@pytest.mark.parametrize("tamper", ["wrong_numbers", "garbled", "truncated", "other_train"])
def test_a_tampered_entry_is_recomputed(tmp_path, calls, caplog, tamper) -> None:
    train, test = single_split()
    honest = nearest_neighbour_scores(train, test, str(tmp_path))
    (path,) = entries(tmp_path)
    data = path.read_bytes()
    header = entry_header(train, test, REFERENCE_SETTINGS)
    if tamper == "wrong_numbers":  # a well-formed entry, right header and sha256, other scores
        path.write_bytes(encode_frame(MAGIC, header, np.full(len(test), 0.5).astype("<f8").tobytes()))
    elif tamper == "garbled":
        path.write_bytes(data[:-5] + bytes([data[-5] ^ 0x40]) + data[-4:])
    elif tamper == "truncated":
        path.write_bytes(data[:-8])
    else:  # the scores of another training set under this key
        other = {**header, "train_sha256": "0" * 64}
        path.write_bytes(encode_frame(MAGIC, other, decode_frame(data, MAGIC)[1]))
    calls.clear()
    with caplog.at_level(logging.WARNING):
        again = nearest_neighbour_scores(train, test, str(tmp_path))
    assert str(path) in caplog.text
    assert len(test) in calls  # recomputed whole
    np.testing.assert_array_equal(again, honest)
    np.testing.assert_array_equal(np.frombuffer(decode_frame(path.read_bytes(), MAGIC)[1], "<f8"), honest)


def test_no_cache_folder_computes_every_time(calls) -> None:
    train, test = single_split()
    nearest_neighbour_scores(train, test)
    nearest_neighbour_scores(train, test)
    assert calls == [len(test), len(test)]

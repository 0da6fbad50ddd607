"""Duplicate ids are refused at load (one line naming the id and its rows), and a ``data.dedup=error`` line
stays short however many rows repeat (issue 21, points 5 and 6)."""

from __future__ import annotations

import pandas as pd
import pytest

from protsweep.data.dedup import deduplicate
from protsweep.data.validate import validate_rows
from protsweep.errors import DataError


def raw(sequences: list[str], ids: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"sequence": sequences, "label": [i % 2 for i in range(len(sequences))],
                          "source": "data.csv", "row": range(2, len(sequences) + 2)})
    return frame if ids is None else frame.assign(id=ids)


def test_one_id_for_two_sequences_is_an_error_naming_id_and_rows() -> None:
    with pytest.raises(DataError) as err:
        validate_rows(raw(["ACDE", "KLMN", "PQRS"], ["p1", "p2", "p1"]))
    assert str(err.value) == "data.csv, field 'id': id 'p1' names different sequences in rows 2, 4: ids must be unique"


def test_one_id_for_repeated_measurements_of_one_sequence_is_kept() -> None:
    rows = validate_rows(raw(["ACDE", "KLMN", "ACDE"], ["p1", "p2", "p1"]))
    assert rows["id"].tolist() == ["p1", "p2", "p1"]


def test_many_clashing_rows_are_a_short_line() -> None:
    n = 100_000
    with pytest.raises(DataError) as err:
        validate_rows(raw(["ACDE", *["KLMN"] * (n - 1)], ["same"] * n))
    assert str(err.value).endswith("rows 2, 3, 4, 5, 6 and 99,995 more: ids must be unique")


def test_dedup_error_on_a_million_repeats_is_a_bounded_line() -> None:
    rows = validate_rows(raw(["ACDE"] * 1_000_000))
    with pytest.raises(DataError) as err:
        deduplicate(rows, "error")
    line = str(err.value)
    assert "\n" not in line and len(line) < 200, line
    assert "in rows 2, 3, 4, 5, 6 and 999,995 more (data.dedup=error)" in line

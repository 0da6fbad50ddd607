"""The data schemas: every closed choice refused at composition, the checks composition cannot make, and the
loader picked by ``data.kind``."""

from __future__ import annotations

import dataclasses
import typing
from enum import Enum
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from omegaconf.errors import ValidationError

from protsweep.data.check import check_data_config
from protsweep.data.config import SCHEMAS, DataConfig, DataKind, Dedup, PairDataConfig, choice
from protsweep.data.dataset import SplitData
from protsweep.data.load import load_data
from protsweep.data.pairs.dataset import PairData
from protsweep.errors import ConfigError

from .test_validation import balanced_csv


def closed_fields(schema: type, prefix: str = "") -> list[tuple[str, type[Enum]]]:
    """Every Enum-typed field of a schema, nested dataclasses included, as (dotted key, Enum)."""
    found = []
    hints = typing.get_type_hints(schema)
    for item in dataclasses.fields(schema):
        kind = hints[item.name]
        if isinstance(kind, type) and issubclass(kind, Enum):
            found.append((f"{prefix}{item.name}", kind))
        elif dataclasses.is_dataclass(kind):
            found.extend(closed_fields(kind, f"{prefix}{item.name}."))
    return found


@pytest.mark.parametrize("schema", sorted(set(SCHEMAS.values()), key=lambda s: s.__name__))
def test_every_closed_field_refuses_a_value_outside_its_enum(schema: type) -> None:
    fields = closed_fields(schema)
    nested = {"labels.mapping", "labels.positive", "self_pairs", "split"} if schema is PairDataConfig else set()
    assert {"dedup", "kind"} | nested <= {key for key, _ in fields}
    for key, kind in fields:
        cfg = OmegaConf.structured(schema)
        for member in kind:
            OmegaConf.update(cfg, key, member.value)  # every member is accepted by its name
            assert OmegaConf.select(cfg, key) is member
        with pytest.raises(ValidationError, match=r"expected one of"):
            OmegaConf.update(cfg, key, "whatever")


def test_pair_schema_extends_the_single_one() -> None:
    assert issubclass(PairDataConfig, DataConfig)
    single = {f.name for f in dataclasses.fields(DataConfig)}
    pairs = {f.name for f in dataclasses.fields(PairDataConfig)}
    assert single < pairs and pairs - single == {"labels", "self_pairs", "split"}
    assert OmegaConf.structured(DataConfig).kind == "single" and OmegaConf.structured(PairDataConfig).kind == "pairs"


def bare(**values: object) -> object:
    base = {"name": "t", "source": {"path": "x.csv"}, "valid_frac": 0.1, "test_frac": 0.2, "limit": None}
    return OmegaConf.create({**base, **values})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"valid_frac": 0.0}, r"^data\.valid_frac=0\.0 is out of range: it must be > 0 and < 1$"),
        ({"valid_frac": -0.1}, r"^data\.valid_frac=-0\.1 is out of range"),
        ({"test_frac": 1.5}, r"^data\.test_frac=1\.5 is out of range"),
        ({"test_frac": 1.0}, r"^data\.test_frac=1\.0 is out of range"),
        ({"valid_frac": 0.3, "test_frac": 0.7}, r"0\.3 \+ 0\.7 leaves nothing to train on: their sum must be < 1"),
        ({"limit": 0}, r"^data\.limit=0 is out of range"),
        ({"source": {"path": "???"}}, r"^data=t needs data\.source\.path: add data\.source\.path=\.\.\."),
    ],
)
def test_config_checks_name_the_key(values: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_data_config(bare(**values))


@pytest.mark.parametrize(("valid", "test"), [(0.1, 0.2), (0.01, 0.01), (0.49, 0.5)])
def test_fractions_inside_the_range_pass(valid: float, test: float) -> None:
    check_data_config(bare(valid_frac=valid, test_frac=test, limit=5))


def test_choice_reads_members_and_names_and_names_the_key() -> None:
    assert choice(Dedup, Dedup.error) is Dedup.error
    assert choice(Dedup, "drop_conflicts") is Dedup.drop_conflicts
    with pytest.raises(ConfigError, match=r"^data\.dedup must be one of majority, drop_conflicts, error, not 'vote'$"):
        choice(Dedup, "vote", "data.dedup")


def test_load_data_picks_the_loader_by_kind(tmp_path: Path) -> None:
    single_csv = tmp_path / "single.csv"
    single_csv.write_text(balanced_csv(40))
    pairs_csv = tmp_path / "pairs.csv"
    rows = balanced_csv(40).strip().split("\n")[1:]
    seqs = [r.split(",")[0] for r in rows]
    pairs_csv.write_text("seq_a,seq_b,label\n" + "".join(f"{a},{b},{i % 2}\n" for i, (a, b) in
                                                          enumerate(zip(seqs, seqs[1:] + seqs[:1], strict=True))))
    single = OmegaConf.merge(OmegaConf.structured(DataConfig), {
        "name": "s", "source": {"_target_": "protsweep.data.sources.CsvSource", "path": str(single_csv)}})
    pairs = OmegaConf.merge(OmegaConf.structured(PairDataConfig), {
        "name": "p", "source": {"_target_": "protsweep.data.pairs.sources.PairsCsvSource", "path": str(pairs_csv)}})
    got_single, got_pairs = load_data(single), load_data(pairs)
    assert type(got_single) is SplitData and got_single.report["dedup"]["n_kept"] == 40
    assert type(got_pairs) is PairData and got_pairs.report["n_pairs"] == 40
    assert got_pairs.report["kind"] == DataKind.pairs.value
    assert sum(s["n"] for s in got_pairs.report["splits"].values()) == 40

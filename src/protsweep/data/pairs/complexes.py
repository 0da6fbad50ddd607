"""Pairs of complexes (``data.kind: complexes``, for ``model.arch=complex_siamese``): row checks, sampling
from a labelled complex table, and the shared pair pipeline with a complex as the unit.

A complex's key is ``LIGAND:RECEPTOR``; it is the pair's ``seq_a`` / ``seq_b`` side, so dedup ((c1, c2) and
(c2, c1) are one pair), self-pairs and ``split=cold`` (no complex in two splits) work as for sequence pairs.
The four sequences are kept in ``ligand_a, receptor_a, ligand_b, receptor_b``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from protsweep.data.config import DataKind, LabelMapping, choice, data_kind
from protsweep.data.dataset import build_source, sequence_id
from protsweep.data.pairs.complex_sources import COMPLEX_SIDES, ComplexTableSource, sample_pairs
from protsweep.data.pairs.pipeline import PAIR_COLUMNS, PairData, finish_pairs
from protsweep.data.pairs.sources import RawPairs
from protsweep.data.pairs.validate import check_id_consistency
from protsweep.data.split import SPLITS
from protsweep.data.validate import check_ids, is_blank, normalise_sequence
from protsweep.errors import ConfigError, DataError

COMPLEX_COLUMNS = [*PAIR_COLUMNS, *COMPLEX_SIDES]


def complex_key(ligand: pd.Series, receptor: pd.Series) -> pd.Series:
    return ligand + ":" + receptor


class ComplexData(PairData):
    """Pairs of complexes per split (columns ``COMPLEX_COLUMNS``) and the data report."""

    def unique_sequences(self) -> list[str]:
        """Every ligand and receptor sequence of every split, each once, in a stable order."""
        seen: dict[str, None] = {}
        for name in SPLITS:
            part = self.split(name)
            for side in COMPLEX_SIDES:
                for seq in part[side]:
                    seen.setdefault(seq, None)
        return list(seen)


def _sequences(frame: pd.DataFrame, raw: pd.DataFrame, roles: tuple[str, ...], columns: dict, alphabet: str) -> None:
    sources, rows = frame["source"].tolist(), frame["row"].tolist()
    for role in roles:
        frame[role] = [
            normalise_sequence(v, alphabet, s, r, field=columns[role])
            for v, s, r in zip(raw[role], sources, rows, strict=True)
        ]


def _base(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"row": raw["row"].astype(int).to_numpy(), "source": raw["source"].astype(str).to_numpy()})


def resolve_complex_pairs(raw: RawPairs, alphabet: str) -> pd.DataFrame:
    """A table of complex pairs, checked: four sequences, ids (given or derived), raw label."""
    out = _base(raw.pairs)
    out["label"] = raw.pairs["label"].to_numpy()
    _sequences(out, raw.pairs, COMPLEX_SIDES, raw.columns, alphabet)
    for side in ("a", "b"):
        out[f"seq_{side}"] = complex_key(out[f"ligand_{side}"], out[f"receptor_{side}"])
        if f"id_{side}" in raw.pairs.columns:
            ids = raw.pairs[f"id_{side}"]
            out[f"id_{side}"] = check_ids(ids, out["source"].tolist(), out["row"].tolist(), raw.columns[f"id_{side}"])
        else:
            out[f"id_{side}"] = out[f"seq_{side}"].map(sequence_id)
    check_id_consistency(out, raw.columns)
    return out


def resolve_complex_table(raw: RawPairs, alphabet: str, source: ComplexTableSource) -> tuple[pd.DataFrame, dict]:
    """A labelled complex table, checked row by row, then sampled into pairs (label 1 = same class)."""
    table = _base(raw.pairs)
    _sequences(table, raw.pairs, ("ligand", "receptor"), raw.columns, alphabet)
    for cls, src, row in zip(raw.pairs["label"], table["source"], table["row"], strict=True):
        if is_blank(cls):
            raise DataError(src, "class is missing", row=int(row), field=raw.columns["label"])
    key = complex_key(table["ligand"], table["receptor"])
    table["id"] = (
        check_ids(raw.pairs["id"], table["source"].tolist(), table["row"].tolist(), raw.columns["id"])
        if "id" in raw.pairs.columns
        else key.map(sequence_id)
    )
    named = pd.Series(key.to_numpy(), index=table["id"].to_numpy())
    clash = named.groupby(level=0).nunique()
    if (clash > 1).any():
        ident = str(clash[clash > 1].index[0])
        rows = table.loc[table["id"] == ident, "row"].tolist()
        raise DataError(str(table["source"].iloc[0]), f"id '{ident}' names two different complexes (rows {rows})")
    classes = raw.pairs["label"].astype(str).str.strip().to_numpy()
    picks, report = sample_pairs(classes, int(source.n_pairs), float(source.positive_frac), int(source.seed))
    first = np.array([i for i, _, _ in picks], dtype=int)
    second = np.array([j for _, j, _ in picks], dtype=int)
    out = table.iloc[first][["row", "source"]].reset_index(drop=True)
    out["label"] = [label for *_, label in picks]
    for side, index in (("a", first), ("b", second)):
        out[f"ligand_{side}"] = table["ligand"].to_numpy()[index]
        out[f"receptor_{side}"] = table["receptor"].to_numpy()[index]
        out[f"id_{side}"] = table["id"].to_numpy()[index]
        out[f"seq_{side}"] = key.to_numpy()[index]
    report |= {"seed": int(source.seed), "positive_frac": float(source.positive_frac), "n_complexes": len(table)}
    return out, report


def read_complexes(data_cfg: DictConfig) -> tuple[Any, RawPairs, pd.DataFrame, dict[str, Any] | None]:
    """The source, its raw rows, the checked pairs of complexes (labels still raw) and the sampling report."""
    if data_kind(data_cfg) is not DataKind.complexes:
        raise ConfigError(
            f"data={data_cfg.get('name')} does not hold pairs of complexes; model.arch=complex_siamese needs "
            "data=complex_pairs_csv | complex_table"
        )
    source = build_source(data_cfg)
    raw = source.load()
    alphabet = str(data_cfg.alphabet)
    if isinstance(source, ComplexTableSource):
        if choice(LabelMapping, data_cfg.labels.mapping, "data.labels.mapping") is not LabelMapping.binary:
            raise ConfigError(
                "data=complex_table labels sampled pairs 0/1 by class: data.labels.mapping must be binary"
            )
        pairs, sampling = resolve_complex_table(raw, alphabet, source)
        return source, raw, pairs, sampling
    return source, raw, resolve_complex_pairs(raw, alphabet), None


def all_complex_sequences(data_cfg: DictConfig) -> list[str]:
    """Every ligand and receptor sequence any run on this data set may need embedded."""
    _, _, pairs, _ = read_complexes(data_cfg)
    return list(dict.fromkeys(pd.concat([pairs[side] for side in COMPLEX_SIDES]).tolist()))


def load_complex_data(data_cfg: DictConfig) -> ComplexData:
    source, raw, pairs, sampling = read_complexes(data_cfg)
    field = "sampled by class" if sampling is not None else raw.columns["label"]
    data = finish_pairs(
        data_cfg, source.name, len(raw.pairs), pairs, field, DataKind.complexes, ComplexData, COMPLEX_COLUMNS
    )
    kept = pd.concat([data.split(name) for name in SPLITS])
    data.report["n_complexes"] = data.report["n_proteins"]
    data.report["n_proteins"] = int(pd.concat([kept[side] for side in COMPLEX_SIDES]).nunique())
    if sampling is not None:
        data.report["sampling"] = sampling
    return data

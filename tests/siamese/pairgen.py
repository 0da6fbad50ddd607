"""Pair data the tests generate: peptides from modlamp's AMPvsUniProt (ships with the package), paired at
random, labelled 1 when both peptides are of the same class (AMP/AMP or UniProt/UniProt). The rule is
symmetric and learnable from residue composition, so even tiny random ESM C embeddings carry signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def peptides(n: int, seed: int = 0, max_len: int = 40) -> pd.DataFrame:
    """``n`` distinct peptides (half of each class) with id, sequence and class."""
    from modlamp.datasets import load_AMPvsUniProt

    bunch = load_AMPvsUniProt()
    frame = pd.DataFrame({"sequence": list(bunch.sequences), "cls": [int(v) for v in bunch.target]})
    frame = frame[frame["sequence"].str.len().between(8, max_len)].drop_duplicates("sequence")
    rng = np.random.default_rng(seed)
    parts = []
    for cls in (0, 1):
        pool = frame[frame["cls"] == cls]
        parts.append(pool.iloc[rng.choice(len(pool), size=n // 2 + (n % 2) * cls, replace=False)])
    out = pd.concat(parts, ignore_index=True)
    out["id"] = [f"P{i:04d}" for i in range(len(out))]
    return out[["id", "sequence", "cls"]]


def pairs(n_proteins: int = 40, n_pairs: int = 160, seed: int = 0) -> pd.DataFrame:
    """Distinct unordered pairs of distinct peptides: id_a, id_b, seq_a, seq_b, label."""
    prot = peptides(n_proteins, seed)
    rng = np.random.default_rng(seed + 1)
    seen: set[tuple[int, int]] = set()
    rows = []
    while len(rows) < n_pairs:
        a, b = (int(x) for x in rng.choice(len(prot), size=2, replace=False))
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        pa, pb = prot.iloc[a], prot.iloc[b]
        rows.append((pa["id"], pb["id"], pa["sequence"], pb["sequence"], int(pa["cls"] == pb["cls"])))
    return pd.DataFrame(rows, columns=["id_a", "id_b", "seq_a", "seq_b", "label"])


def write_pairs_csv(path: Path, n_proteins: int = 40, n_pairs: int = 160, seed: int = 0, ids: bool = False) -> Path:
    frame = pairs(n_proteins, n_pairs, seed)
    columns = ["id_a", "id_b", "seq_a", "seq_b", "label"] if ids else ["seq_a", "seq_b", "label"]
    frame[columns].to_csv(path, index=False)
    return path


def write_pairs_ids(
    directory: Path, n_proteins: int = 40, n_pairs: int = 160, seed: int = 0, fasta: bool = False
) -> tuple[Path, Path]:
    """A headerless id-pair TSV (as in guo_yeast_ppi) and a sequence table (TSV or FASTA)."""
    frame = pairs(n_proteins, n_pairs, seed)
    pairs_path = directory / "actions.tsv"
    frame[["id_a", "id_b", "label"]].to_csv(pairs_path, sep="\t", header=False, index=False)
    table = pd.concat(
        [
            frame[["id_a", "seq_a"]].set_axis(["id", "seq"], axis=1),
            frame[["id_b", "seq_b"]].set_axis(["id", "seq"], axis=1),
        ]
    ).drop_duplicates("id")
    if fasta:
        seq_path = directory / "sequences.fasta"
        seq_path.write_text("".join(f">{i} some description\n{s}\n" for i, s in table.itertuples(index=False)))
    else:
        seq_path = directory / "dictionary.tsv"
        table.to_csv(seq_path, sep="\t", header=False, index=False)
    return pairs_path, seq_path

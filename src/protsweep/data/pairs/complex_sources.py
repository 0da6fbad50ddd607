"""Sources of pairs of complexes, each complex a (ligand, receptor) pair of sequences.

- :class:`ComplexPairsCsvSource`: a table of complex pairs with a similarity label (or score):
  ``ligand_1, receptor_1, ligand_2, receptor_2, label``.
- :class:`ComplexTableSource`: a labelled table of complexes (``ligand, receptor, class``); pairs are
  sampled from it, seeded by ``data.source.seed`` (never by the training seed): two complexes of the same
  class are similar (1), of different classes dissimilar (0).

``load()`` returns :class:`~protsweep.data.pairs.sources.RawPairs`: for the pair table, one row per pair
(roles ``ligand_a, receptor_a, ligand_b, receptor_b, label`` and optional ``id_a, id_b``); for the complex
table, one row per complex (roles ``ligand, receptor, label`` and optional ``id``), sampled after validation
by :func:`sample_pairs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from protsweep.data.pairs.sources import RawPairs
from protsweep.data.readers import existing_file, read_table, require_columns
from protsweep.errors import ConfigError, DataError

#: the four sequence roles of a complex pair, in file order
COMPLEX_SIDES = ("ligand_a", "receptor_a", "ligand_b", "receptor_b")


def _rows(table: pd.DataFrame, columns: dict[str, str], path: Path) -> pd.DataFrame:
    frame = pd.DataFrame({role: table[col] for role, col in columns.items()})
    frame["row"] = range(2, len(table) + 2)
    frame["source"] = str(path)
    return frame


@dataclass
class ComplexPairsCsvSource:
    """One CSV/TSV row per pair of complexes: four sequence columns and a label (or score) column."""

    path: str
    ligand_1_col: str = "ligand_1"
    receptor_1_col: str = "receptor_1"
    ligand_2_col: str = "ligand_2"
    receptor_2_col: str = "receptor_2"
    label_col: str = "label"
    id_1_col: str | None = None  # complex ids (optional; else derived from the two sequences)
    id_2_col: str | None = None
    sep: str | None = None

    @property
    def name(self) -> str:
        return str(Path(self.path).expanduser())

    def load(self) -> RawPairs:
        path = existing_file(self.path, "complex pairs file", "data.source.path")
        table = read_table(path, self.sep)
        cols = (self.ligand_1_col, self.receptor_1_col, self.ligand_2_col, self.receptor_2_col)
        columns = dict(zip(COMPLEX_SIDES, cols, strict=True)) | {"label": self.label_col}
        if (self.id_1_col is None) != (self.id_2_col is None):
            raise DataError(str(path), "give both complex id columns (data.source.id_1_col and id_2_col) or neither")
        if self.id_1_col is not None:
            columns |= {"id_a": self.id_1_col, "id_b": str(self.id_2_col)}
        require_columns(table, path, columns)
        return RawPairs(_rows(table, columns, path), None, columns)


@dataclass
class ComplexTableSource:
    """One row per complex with a class; ``n_pairs`` pairs are sampled, ``positive_frac`` of them
    same-class (fewer when the table has fewer such pairs; run.json records how many)."""

    path: str
    ligand_col: str = "ligand"
    receptor_col: str = "receptor"
    class_col: str = "class"
    id_col: str | None = None
    sep: str | None = None
    n_pairs: int = 1000
    positive_frac: float = 0.5
    seed: int = 0

    @property
    def name(self) -> str:
        return str(Path(self.path).expanduser())

    def load(self) -> RawPairs:
        if int(self.n_pairs) < 1 or not 0.0 < float(self.positive_frac) < 1.0:
            raise ConfigError(
                f"data.source.n_pairs must be >= 1 and data.source.positive_frac in (0, 1), "
                f"not {self.n_pairs} and {self.positive_frac}"
            )
        path = existing_file(self.path, "complex table", "data.source.path")
        table = read_table(path, self.sep)
        columns = {"ligand": self.ligand_col, "receptor": self.receptor_col, "label": self.class_col}
        if self.id_col is not None:
            columns["id"] = self.id_col
        require_columns(table, path, columns)
        return RawPairs(_rows(table, columns, path), None, columns)


def _pair_counts(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Class names, the same-class pairs each class offers, and the same- and cross-class pair totals."""
    names, sizes = np.unique(classes, return_counts=True)
    per_class = sizes * (sizes - 1) // 2
    n = len(classes)
    return names, per_class, int(per_class.sum()), n * (n - 1) // 2 - int(per_class.sum())


def sample_pairs(
    classes: np.ndarray, n_pairs: int, positive_frac: float, seed: int
) -> tuple[list[tuple[int, int, int]], dict[str, int]]:
    """Distinct unordered pairs (i, j, same class?) of distinct rows: same-class pairs drawn class-weighted
    by the pairs each class offers, cross-class pairs drawn uniformly; each kind capped by what exists."""
    rng = np.random.default_rng(seed)
    names, per_class, n_same, n_cross = _pair_counts(classes)
    want_pos = min(round(n_pairs * positive_frac), n_same)
    want_neg = min(n_pairs - want_pos, n_cross)
    members = {name: np.flatnonzero(classes == name) for name in names}
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int, int]] = []
    tries = 0
    for label, want in ((1, want_pos), (0, want_neg)):
        got = 0
        while got < want and tries < 50 * (n_pairs + 10):
            tries += 1
            if label:
                pool = members[names[rng.choice(len(names), p=per_class / per_class.sum())]]
                i, j = (int(v) for v in rng.choice(pool, size=2, replace=False))
            else:
                i, j = (int(v) for v in rng.choice(len(classes), size=2, replace=False))
                if classes[i] == classes[j]:
                    continue
            key = (min(i, j), max(i, j))
            if key not in seen:
                seen.add(key)
                out.append((key[0], key[1], label))
                got += 1
    n_pos = sum(label for *_, label in out)
    return out, {"requested": n_pairs, "sampled": len(out), "n_pos": n_pos, "n_neg": len(out) - n_pos}

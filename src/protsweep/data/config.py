"""Schemas of the ``data`` group, for single sequences and for pairs (light: no pandas, no framework).

Closed choices are Enums, so ``data.dedup=whatever`` fails when Hydra composes the config, before anything
runs. ``PairDataConfig`` extends ``DataConfig``: pairs add label mapping, self-pair policy and split method.
``kind`` tells the two apart (ProteinBERT refuses pairs, the Siamese family needs them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, TypeVar

from omegaconf import MISSING

from protsweep.errors import ConfigError

E = TypeVar("E", bound=Enum)

STANDARD_AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"


def choice(kind: type[E], value: E | str, key: str | None = None) -> E:
    """The enum member for a config value: a structured config gives the member, a plain dict its name.
    ``key`` (e.g. ``data.dedup``) is named in the error."""
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        where = key or kind.__name__
        raise ConfigError(f"{where} must be one of {allowed}, not '{value}'") from None


class DataKind(StrEnum):
    """What one example is. A ``StrEnum``, so ``cfg.data.kind == "pairs"`` holds for a composed config."""

    single = "single"
    pairs = "pairs"
    complexes = "complexes"  # pairs of (ligand, receptor) complexes: model.arch=complex_siamese


class Dedup(Enum):
    """Repeated sequences (or pairs, in either order): ``majority`` takes the majority label and drops ties;
    ``drop_conflicts`` drops those labelled both ways; ``error`` refuses any repeat."""

    majority = "majority"
    drop_conflicts = "drop_conflicts"
    error = "error"


class SelfPairs(Enum):
    """A pair with the same sequence on both sides."""

    keep = "keep"
    drop = "drop"
    error = "error"


class SplitMethod(Enum):
    """Pairs: ``random`` splits by unordered pair; ``cold`` splits the proteins, so none is in two splits."""

    random = "random"
    cold = "cold"


class LabelMapping(Enum):
    """How a pair's label is read: a 0/1 column, or a score cut at a value or at a quantile of the scores
    (hard), or a score mapped into [0, 1] (soft: ``minmax``, ``sigmoid``, ``rank``), whose binary label for
    evaluation comes from the declared cut (``threshold`` or ``quantile``)."""

    binary = "binary"
    threshold = "threshold"
    quantile = "quantile"
    minmax = "minmax"
    sigmoid = "sigmoid"
    rank = "rank"


class TrainTarget(Enum):
    """What the network is trained on: ``hard`` the 0/1 label, ``soft`` the mapped score in [0, 1];
    ``auto`` is soft for a soft mapping, hard otherwise. Valid and test are always scored on the 0/1 label."""

    auto = "auto"
    hard = "hard"
    soft = "soft"


class PositiveSide(Enum):
    """Where positives lie relative to the cut (docking energies: ``below``)."""

    above = "above"
    below = "below"


class SplitBy(Enum):
    """What a split keeps whole: ``sequence`` (each unique sequence on one side; pairs: ``data.split``'s random
    or cold method) or ``cluster`` (each similarity cluster, :mod:`protsweep.data.cluster`, on one side of
    every split and fold; pairs: the cold split works on protein clusters)."""

    sequence = "sequence"
    cluster = "cluster"


class ClusterMethod(Enum):
    """How sequences are clustered: ``levenshtein`` (all pairs, normalised Levenshtein similarity, single
    linkage), ``mmseqs`` (MMseqs2 at ``identity`` and ``coverage``), ``auto`` (MMseqs2 from a median length of
    ``auto_mmseqs_from`` residues up)."""

    auto = "auto"
    levenshtein = "levenshtein"
    mmseqs = "mmseqs"


@dataclass
class ClusterConfig:
    """``data.cluster``: the similarity clusters behind ``data.split_by=cluster`` (docs/splits.md)."""

    identity: float = 0.8  # two sequences this similar (or more) share a cluster; in (0, 1]
    method: ClusterMethod = ClusterMethod.auto
    auto_mmseqs_from: int = 100  # method=auto: MMseqs2 when the median sequence length is at least this
    coverage: float = 0.8  # MMseqs2 -c: the share of the sequences the alignment must cover
    cov_mode: int = 0  # MMseqs2 --cov-mode (0: both sequences)
    cluster_mode: int = 1  # MMseqs2 --cluster-mode (1: connected components, as single linkage)
    sensitivity: float = 4.0  # MMseqs2 -s (easy-cluster's default)
    cache_dir: str | None = "${oc.select:paths.cache_dir,null}"  # clusters are cached under <cache_dir>/clusters


@dataclass
class CrossValidationConfig:
    """``data.cv``: with ``folds`` = K > 0, the test set is fold ``fold`` of a stratified (group) K-fold,
    seeded by ``data.split_seed``; the valid set is carved from the other folds. 0: one split."""

    folds: int = 0
    fold: int = 0


@dataclass
class ReferenceConfig:
    """Earlier results on a dataset and the target to reach, printed next to the measured numbers by the
    report. They belong to a dataset: set in the data option (``data.reference``) or, key by key on top of
    it, in a sweep file or on the command line (root ``reference``, e.g. ``reference.target=0.952``)."""

    label: str | None = None
    dataset: str | None = None  # the dataset the numbers were measured on; the report warns when runs differ
    auc_mean: float | None = None
    auprc_mean: float | None = None
    ensemble_auc: float | None = None
    ensemble_auprc: float | None = None
    ensemble_ci: list[float] | None = None  # [lo, hi] of the ensemble AUC
    target: float | None = None  # the AUC to reach


@dataclass
class DataConfig:
    """Labelled single sequences. ``source`` is ``{_target_: protsweep.data.sources.<Loader>, ...}``."""

    name: str = MISSING
    kind: DataKind = DataKind.single
    source: Any = MISSING
    dedup: Dedup = Dedup.majority
    split_seed: int = 0
    valid_frac: float = 0.1  # > 0, and valid_frac + test_frac < 1
    test_frac: float = 0.2  # > 0
    limit: int | None = None  # at most this many examples (stratified by label), drawn before splitting
    alphabet: str = STANDARD_AMINO_ACIDS
    split_by: SplitBy = SplitBy.sequence
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    cv: CrossValidationConfig = field(default_factory=CrossValidationConfig)
    reference: ReferenceConfig = field(default_factory=ReferenceConfig)


@dataclass
class PairLabelsConfig:
    mapping: LabelMapping = LabelMapping.binary
    threshold: float | None = None  # mapping=threshold
    quantile: float | None = None  # mapping=quantile: the cut is this quantile of the scores
    positive: PositiveSide = PositiveSide.above  # positive: score >= cut (above) or score <= cut (below)
    target: TrainTarget = TrainTarget.auto  # hard | soft training target (soft needs minmax | sigmoid | rank)
    center: float | None = None  # mapping=sigmoid: the score mapped to 0.5; null: the cut
    scale: float | None = None  # mapping=sigmoid: score units per logit unit (> 0); null: the scores' std


@dataclass
class PairDataConfig(DataConfig):
    """Labelled pairs. ``source`` is ``{_target_: protsweep.data.pairs.sources.<Loader>, ...}``; ``dedup``
    treats (a, b) and (b, a) as one pair."""

    kind: DataKind = DataKind.pairs
    labels: PairLabelsConfig = field(default_factory=PairLabelsConfig)
    self_pairs: SelfPairs = SelfPairs.drop
    split: SplitMethod = SplitMethod.random


@dataclass
class ComplexPairDataConfig(PairDataConfig):
    """Labelled pairs of complexes, each a (ligand, receptor) pair of sequences. ``source`` is
    ``{_target_: protsweep.data.pairs.complex_sources.<Loader>, ...}``. A complex is the unit of ``dedup``,
    ``self_pairs`` and ``split`` (``cold``: no complex in two splits)."""

    kind: DataKind = DataKind.complexes


def data_kind(data_cfg: Any) -> DataKind:
    """``data.kind`` of a data config; one without it (a hand-made dict) holds single sequences."""
    return choice(DataKind, data_cfg.get("kind") or DataKind.single, "data.kind")


SCHEMAS: dict[tuple[str | None, str], Any] = {
    ("data", "data_schema"): DataConfig,
    ("data", "pair_data_schema"): PairDataConfig,
    ("data", "complex_pair_data_schema"): ComplexPairDataConfig,
}

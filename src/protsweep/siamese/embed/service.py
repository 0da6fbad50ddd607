"""Embeddings for a set of sequences: each read from the cache, or computed once and cached.

The ESM C model is loaded only when some sequence is missing from the cache, so a warm run neither loads
weights nor runs a forward pass (the report says how many it ran).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig
from tqdm import tqdm

from protsweep.errors import ConfigError
from protsweep.siamese.embed.batching import length_sorted_batches, padding_stats
from protsweep.siamese.embed.cache import EmbeddingCache
from protsweep.siamese.embed.identity import EmbedderIdentity, identity_of, locate_weights
from protsweep.siamese.embed.lazy import LazyEmbeddings


@dataclass
class EmbeddingSet:
    vectors: Mapping[str, np.ndarray]  # sequence -> (residues kept, d) float16, read from the cache per access
    identity: EmbedderIdentity
    report: dict[str, Any]

    @property
    def dim(self) -> int:
        return int(self.identity.hidden_size)


def token_length(sequence: str, max_len: int) -> int:
    return min(len(sequence), max_len) + 2  # BOS + EOS


def ensure_embeddings(sequences: Iterable[str], cfg: DictConfig) -> EmbeddingSet:
    if cfg is None:
        raise ConfigError("no embedder chosen: add embedder=esmc_300m | esmc_600m | esmc_tiny")
    unique = list(dict.fromkeys(sequences))
    max_len = int(cfg.max_len)
    if max_len < 1:
        raise ConfigError(f"embedder.max_len must be at least 1, not {max_len}")
    cache_root = Path(str(cfg.cache_dir)).expanduser()
    location = locate_weights(cfg, cache_root)
    identity = identity_of(cfg, location)
    cache = EmbeddingCache(cache_root, identity)
    cache.describe()

    shapes: dict[str, tuple[int, int]] = {}  # verified entries; their bytes are not kept (LazyEmbeddings)
    missing: list[str] = []
    for seq in unique:
        found = cache.load(seq)
        if found is None:
            missing.append(seq)
        else:
            shapes[seq] = found.shape

    run: dict[str, Any] = {"embedded": 0, "forward_passes": 0}
    pending = missing
    while pending:  # claim what is missing; wait for entries another run claimed (re-claim if it died)
        mine, others = cache.claim(pending)
        try:
            if mine:
                run = _embed_missing(mine, cfg, location.directory, cache, shapes)
        finally:
            cache.release(mine)
        pending = cache.wait_for(others, shapes)

    dims = {shape[1] for shape in shapes.values()}
    if dims and dims != {identity.hidden_size}:
        raise ConfigError(f"embedder={cfg.name}: embeddings have width {sorted(dims)}, expected {identity.hidden_size}")
    truncated = sum(len(seq) > max_len for seq in unique)
    report = {
        **identity.as_dict(),
        "pretrained": "loaded" if identity.pretrained else "random",
        "weights_from": str(location.directory) if location.directory else location.found_in,
        "cache_dir": str(cache.directory),
        "unique_sequences": len(unique),
        "cached": cache.stats.hits,
        "corrupt_recomputed": cache.stats.corrupt,
        "truncated_sequences": int(truncated),
        "longest_sequence": max((len(s) for s in unique), default=0),
        **run,
    }
    return EmbeddingSet(LazyEmbeddings({seq: cache.path(seq) for seq in shapes}, shapes), identity, report)


def _embed_missing(
    missing: list[str], cfg: DictConfig, weights_dir: Path | None, cache: EmbeddingCache, shapes: dict
) -> dict[str, Any]:
    from protsweep.siamese.embed.esmc import load_embedder

    max_len = int(cfg.max_len)
    started = time.perf_counter()
    embedder = load_embedder(cfg, weights_dir)
    load_seconds = time.perf_counter() - started
    lengths = [token_length(seq, max_len) for seq in missing]
    batches = length_sorted_batches(lengths, int(cfg.batch_tokens), float(cfg.max_pad_frac))
    began = time.perf_counter()
    with tqdm(
        total=sum(lengths),
        unit="tok",
        unit_scale=True,
        disable=not cfg.progress,
        desc=f"{cfg.name}: embedding {len(missing)} sequences",
        mininterval=1.0,
    ) as bar:
        for batch in batches:
            seqs = [missing[i] for i in batch]
            for seq, emb in zip(seqs, embedder.embed(seqs), strict=True):
                half = emb.astype(np.float16)
                cache.store(seq, half, len(seq))
                shapes[seq] = half.shape
            bar.update(sum(lengths[i] for i in batch))
    seconds = time.perf_counter() - began
    stats = padding_stats(lengths, batches)
    return {
        "embedded": len(missing),
        "forward_passes": embedder.forward_passes,
        "batches": stats["batches"],
        "padded_share": stats["padded_share"],
        "tokens_per_s": round(stats["real_tokens"] / seconds, 1) if seconds > 0 else None,
        "embed_seconds": round(seconds, 3),
        "model_load_seconds": round(load_seconds, 3),
        "device": str(embedder.device),
    }

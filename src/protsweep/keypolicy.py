"""The key policy: which config keys change a job's result. The one declaration of it.

Every key of a composed config is in exactly one category (a listed key covers everything under it):

* ``OUTPUT_ONLY``: decides where or how output is shown, stored or logged, or which earlier run may be reused;
  never what a job computes. Left out of the config fingerprint (relaunch check, reuse), of the variant
  grouping, of job folder names and of the loggers' parameters.
* ``REPLICATE``: changes the result, but indexes replicates of one variant (the seed, the cross-validation
  fold). In the fingerprint and in job folder names; not in the variant grouping.
* every other key changes results (``result`` category): in the fingerprint, the grouping and folder names.

``RESUMABLE_ACROSS`` are result keys that decide where or how fast a job computes (device, threads, batch
packing): a relaunch counts them, but a training checkpoint written under other values may still be resumed.

A leaf module: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

__all__ = [
    "ADDED_LATER",
    "FOLD_KEY",
    "OUTPUT_ONLY",
    "REPLICATE",
    "RESUMABLE_ACROSS",
    "SEED_KEY",
    "KeyKind",
    "at_added_default",
    "key_kind",
    "override_key",
    "result_overrides",
    "under",
    "variant_items",
    "without",
]


class KeyKind(StrEnum):
    RESULT = "result"
    REPLICATE = "replicate"
    OUTPUT_ONLY = "output_only"


#: Dotted keys (and everything under them) that never change what a job computes.
OUTPUT_ONLY: tuple[str, ...] = (
    "hydra",
    "sweep",  # the sweep file only chooses the jobs; each job's config holds what it set
    "overwrite",
    "progress",
    "logger",
    "resources",
    "report",
    "save_model",
    "paths.cache_dir",
    "reference",
    "data.reference",
    "ablation",
    "reuse",
    "tune",  # which metric a sweeper reads and where a tuned value came from; each seed job has its seed
    "trainer.resume",
    "embedder.progress",
    "embedder.cache_dir",
    "data.cluster.cache_dir",  # where similarity clusters are cached, not what they are
    "trainer.feature_cache_memory_mb",  # where cached features live (memory or disk), not their values
    "trainer.release_memory",  # when freed memory goes back to the OS
)

#: The replicate keys: the training seed and the cross-validation fold (``data.cv.fold``).
SEED_KEY = "seed"
FOLD_KEY = "data.cv.fold"
#: Keys that change the result but index replicates of one variant.
REPLICATE: tuple[str, ...] = (SEED_KEY, FOLD_KEY)

#: Result keys added after fingerprints were first recorded, with their defaults: left out of the fingerprint
#: while at the default, so the runs recorded before them keep their fingerprints (relaunch check, reuse).
ADDED_LATER: dict[str, Any] = {
    "trainer.init_variant": None,
    "trainer.init_seed": None,
    "trainer.init_backbone_only": False,
}

#: Result keys a training checkpoint may be resumed across (where and how fast it computes).
RESUMABLE_ACROSS: tuple[str, ...] = (
    "paths.shared_data",
    "trainer.device",
    "trainer.num_threads",
    "embedder.device",
    "embedder.batch_tokens",
    "embedder.max_pad_frac",
)


def at_added_default(key: str, value: Any) -> bool:
    """Whether ``key`` is a result key added later (:data:`ADDED_LATER`) still at its default."""
    return key in ADDED_LATER and value == ADDED_LATER[key]


def under(key: str, prefixes: Iterable[str]) -> bool:
    """``key`` is one of ``prefixes`` or lies below one (``report.margin_auc`` is under ``report``)."""
    return any(key == p or key.startswith(p + ".") or key.startswith(p + "[") for p in prefixes)


def key_kind(key: str) -> KeyKind:
    if under(key, OUTPUT_ONLY):
        return KeyKind.OUTPUT_ONLY
    if under(key, REPLICATE):
        return KeyKind.REPLICATE
    return KeyKind.RESULT


V = TypeVar("V")


def without(flat: Mapping[str, V], *kinds: KeyKind, extra: Iterable[str] = ()) -> dict[str, V]:
    """``flat`` (dotted keys) less the keys of ``kinds`` and those under ``extra``."""
    extra = tuple(extra)
    return {k: v for k, v in flat.items() if key_kind(k) not in kinds and not under(k, extra)}


def variant_items(flat: Mapping[str, Any], extra: Iterable[str] = ()) -> dict[str, Any]:
    """What tells variants apart: ``flat`` less output-only and replicate keys (and those under ``extra``)."""
    return without(flat, KeyKind.OUTPUT_ONLY, KeyKind.REPLICATE, extra=extra)


def override_key(text: str) -> str:
    """``"+head=two_layer"`` -> ``"head"``: the key an override line sets."""
    return str(text).partition("=")[0].lstrip("+~")


def result_overrides(overrides: Iterable[str]) -> list[str]:
    """Override lines that can change a result (replicate keys included), in their order."""
    return [o for o in overrides if key_kind(override_key(o)) is not KeyKind.OUTPUT_ONLY]

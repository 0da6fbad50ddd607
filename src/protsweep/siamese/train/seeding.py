"""Torch seeding and deterministic mode (``job.py`` has already seeded ``random`` and ``numpy``)."""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch
import torch.utils.deterministic


def seed_torch(seed: int, deterministic: bool, num_threads: int | None) -> None:
    """Seed torch's global generator; with ``deterministic``, refuse nondeterministic kernels, so a run
    (and a resumed run) is bitwise reproducible on the same machine and thread count."""
    if num_threads:
        torch.set_num_threads(int(num_threads))
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it for determinism
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(bool(deterministic))
    # Deterministic mode also fills every new tensor with NaN (a debugging aid for uninitialised reads);
    # that costs a third of a small model's step on CPU and changes no result.
    torch.utils.deterministic.fill_uninitialized_memory = False
    torch.manual_seed(int(seed))


def rng_state(shuffle: torch.Generator) -> dict[str, Any]:
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "shuffle": shuffle.get_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any], shuffle: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    shuffle.set_state(state["shuffle"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])

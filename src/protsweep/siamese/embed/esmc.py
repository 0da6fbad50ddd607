"""The ESM C model behind the embedder: built from a tiny random config or loaded from local weights.

Every forward pass is counted in :data:`FORWARD_PASSES` (process-wide), so tests and run records can show
that a warm cache needs none.
"""

from __future__ import annotations

import os
import threading

os.environ.setdefault("USE_TF", "0")  # transformers (imported by esm) must never import TensorFlow

from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig

from protsweep.siamese.embed.identity import resolve_dtype

#: Forward passes of any ESM C embedder in this process.
FORWARD_PASSES = 0
#: ``embedder.dtype`` (resolved: identity.resolve_dtype) -> torch dtype
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
#: Random init goes through torch's global generator: one init at a time in a process.
_INIT_LOCK = threading.Lock()


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def tiny_model(hidden_size: int, num_heads: int, num_layers: int, init_seed: int) -> torch.nn.Module:
    """A randomly initialised ESM C encoder. The global RNG is left untouched (training seeds stay exact)."""
    from esm.models.esmc import EsmcConfig, EsmcModel

    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        model = EsmcModel(
            EsmcConfig(hidden_size=hidden_size, num_attention_heads=num_heads, num_hidden_layers=num_layers)
        )
        model.post_init()
    return model


class EsmcEmbedder:
    """Per-residue embeddings of the last layer, BOS and EOS removed, sequences truncated to ``max_len``."""

    def __init__(self, model: torch.nn.Module, device: torch.device, max_len: int, dtype: str = "fp32") -> None:
        from esm.models.esmc import EsmcTokenizer

        self.dtype = DTYPES[dtype]
        self.model = model.to(device=device, dtype=self.dtype).eval()
        self.device = device
        self.max_len = max_len
        self.tokenizer = EsmcTokenizer()
        self.forward_passes = 0

    @torch.inference_mode()
    def embed(self, sequences: list[str]) -> list[np.ndarray]:
        global FORWARD_PASSES
        kept = [seq[: self.max_len] for seq in sequences]
        batch = self.tokenizer(kept, padding=True, return_tensors="pt")
        out = self.model(
            input_ids=batch["input_ids"].to(self.device),
            attention_mask=batch["attention_mask"].to(self.device),
        )
        self.forward_passes += 1
        FORWARD_PASSES += 1
        states = out.last_hidden_state.float().cpu().numpy()
        return [states[i, 1 : 1 + len(seq)] for i, seq in enumerate(kept)]  # position 0 is BOS


def load_embedder(cfg: DictConfig, weights_dir: Path | None) -> EsmcEmbedder:
    device = resolve_device(str(cfg.device))
    if weights_dir is None:
        model = tiny_model(int(cfg.hidden_size), int(cfg.num_heads), int(cfg.num_layers), int(cfg.init_seed))
    else:
        from esm.models.esmc import EsmcModel

        model = EsmcModel.from_pretrained(str(weights_dir), device=device, local_files_only=True)
    return EsmcEmbedder(model, device, int(cfg.max_len), resolve_dtype(cfg))

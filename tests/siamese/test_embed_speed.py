"""Issue 13 on the embedding side: ESM C's 2048 context, the compute dtype in the cache identity, lazy reads
from the cache for training, and the HDF5 export."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from protsweep.siamese.embed.cache import EmbeddingCache
from protsweep.siamese.embed.lazy import LazyEmbeddings
from protsweep.siamese.embed.service import ensure_embeddings
from protsweep.siamese.embed_cli import main as embed_main
from protsweep.siamese.train.batches import PairTensors, as_tensors

from ..conftest import compose_config
from .pairgen import write_pairs_csv
from .test_embed import SEQS, tiny


def test_default_context_keeps_2048_residues_and_counts_longer(tmp_path: Path) -> None:
    cfg = compose_config("model=siamese", "embedder=esmc_tiny", f"paths.cache_dir={tmp_path}").embedder
    cfg.progress = False
    rng = np.random.default_rng(0)
    long, fits = ("".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), n)) for n in (2100, 2048))
    result = ensure_embeddings([long, fits, "MKV"], cfg)
    assert result.vectors[long].shape[0] == 2048 and result.vectors[fits].shape[0] == 2048
    assert result.report["truncated_sequences"] == 1


def test_dtype_is_explicit_and_keys_the_cache(tmp_path: Path) -> None:
    auto_cpu = ensure_embeddings(SEQS, tiny(tmp_path, device="cpu"))
    fp32 = ensure_embeddings(SEQS, tiny(tmp_path, device="cpu", dtype="fp32"))
    bf16 = ensure_embeddings(SEQS, tiny(tmp_path, device="cpu", dtype="bf16"))
    assert auto_cpu.report["dtype"] == "fp32" and bf16.report["dtype"] == "bf16"
    assert auto_cpu.identity.key() == fp32.identity.key() != bf16.identity.key()
    assert bf16.report["embedded"] == len(SEQS)  # not served from the fp32 entries
    a, b = (np.asarray(r.vectors[SEQS[0]], dtype=np.float32) for r in (fp32, bf16))
    assert 0 < np.abs(a - b).max() < 0.1  # bf16 really ran, and still approximates fp32


def test_training_reads_the_cache_lazily_with_the_same_numbers(tmp_path: Path) -> None:
    cfg = tiny(tmp_path)
    result = ensure_embeddings(SEQS, cfg)
    assert isinstance(result.vectors, LazyEmbeddings)
    cache = EmbeddingCache(cfg.cache_dir, result.identity)
    eager = {seq: cache.load(seq) for seq in SEQS}
    lazy = as_tensors(result.vectors)
    result.vectors.clear()  # what the runner does: must not lose anything
    frame = pd.DataFrame({"seq_a": SEQS, "seq_b": SEQS[::-1], "label": [1, 0, 1, 0]})
    lazy_pairs, eager_pairs = PairTensors(frame, lazy), PairTensors(frame, as_tensors(eager))
    for got, want in zip(lazy_pairs.in_order(2, torch.device("cpu")), eager_pairs.in_order(2, torch.device("cpu")),
                         strict=True):
        assert got.index == want.index
        assert torch.equal(got.xa, want.xa) and torch.equal(got.mb, want.mb)


def test_export_h5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_pairs_csv(tmp_path / "pairs.csv", n_proteins=8, n_pairs=12)
    out = tmp_path / "guo.h5"
    args = ["data=pairs_csv", f"data.source.path={data}", "embedder=esmc_tiny", f"paths.cache_dir={tmp_path}",
            "embedder.progress=false", "--export", "h5", "--out", str(out)]
    embed_main(args)
    assert str(out) in capsys.readouterr().out
    frame = pd.read_csv(data)
    sequences = set(frame["seq_a"]) | set(frame["seq_b"])
    cfg = tiny(tmp_path / "embeddings")
    cfg.cache_dir = str(tmp_path / "embeddings")
    vectors = ensure_embeddings(sorted(sequences), cfg).vectors
    with h5py.File(out) as handle:
        listed = [s.decode() for s in handle["sequences"][:]]
        assert set(listed) == sequences and len(handle["residues"]) == len(sequences)
        for row, seq in enumerate(listed):
            stored = next(d for d in handle["residues"].values() if d.attrs["sequence"] == seq)
            np.testing.assert_array_equal(stored[:], vectors[seq])
            np.testing.assert_allclose(handle["mean"][row], vectors[seq].astype(np.float32).mean(axis=0), rtol=1e-5)
        assert handle.attrs["dtype"] == "fp32"


def test_export_unknown_format_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        embed_main(["embedder=esmc_tiny", "--export", "parquet"])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert "--export parquet" in err and "\n" not in err

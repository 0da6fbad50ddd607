"""ESM C embeddings: representation, truncation, length-sorted batching, the content-addressed cache
(reuse, corruption, identity), the protsweep-embed command and offline weight loading."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from omegaconf import DictConfig, OmegaConf

from protsweep.siamese.embed import esmc
from protsweep.siamese.embed.batching import fixed_size_batches, length_sorted_batches, padding_stats
from protsweep.siamese.embed.cache import MAGIC, EmbeddingCache, decode_entry, encode_entry
from protsweep.siamese.embed.identity import WeightsNotFoundError, identity_of, locate_weights
from protsweep.siamese.embed.service import ensure_embeddings
from protsweep.siamese.embed_cli import main as embed_main
from protsweep.siamese.schema import EmbedderConfig

from .pairgen import peptides, write_pairs_csv

SEQS = ["ACDEFGHIKLMNPQRSTVWY", "MKV", "GGGGSGGGGS", "LLLLLLLLLLLLKKKKKKKK" * 3]


def tiny(tmp_path: Path, **options: Any) -> DictConfig:
    base = {
        "name": "esmc_tiny",
        "weights": "random",
        "hidden_size": 64,
        "num_heads": 4,
        "num_layers": 2,
        "cache_dir": str(tmp_path / "cache"),
        "progress": False,
    }
    return OmegaConf.merge(OmegaConf.structured(EmbedderConfig), {**base, **options})


def test_per_residue_last_layer_without_bos_eos(tmp_path: Path) -> None:
    result = ensure_embeddings(SEQS, tiny(tmp_path))
    for seq in SEQS:
        assert result.vectors[seq].shape == (len(seq), 64) and result.vectors[seq].dtype == np.float16
    model = esmc.tiny_model(64, 4, 2, 0).eval()
    from esm.models.esmc import EsmcTokenizer

    with torch.no_grad():
        ids = EsmcTokenizer()([SEQS[0]], return_tensors="pt")["input_ids"]
        states = model(input_ids=ids).last_hidden_state[0].numpy()
    assert ids.shape[1] == len(SEQS[0]) + 2  # BOS + residues + EOS
    np.testing.assert_allclose(result.vectors[SEQS[0]].astype(np.float32), states[1:-1], atol=2e-3, rtol=2e-3)


def test_max_len_truncates_is_counted_and_keys_the_cache(tmp_path: Path) -> None:
    full = ensure_embeddings(SEQS, tiny(tmp_path))
    short = ensure_embeddings(SEQS, tiny(tmp_path, max_len=12))
    assert short.vectors[SEQS[0]].shape == (12, 64) and short.vectors["MKV"].shape == (3, 64)
    assert short.report["truncated_sequences"] == 2 and full.report["truncated_sequences"] == 0
    assert short.report["max_len"] == 12 and short.identity.key() != full.identity.key()
    assert short.report["embedded"] == len(SEQS)  # another identity: nothing reused


def test_second_run_does_zero_forward_passes(tmp_path: Path) -> None:
    sequences = peptides(30)["sequence"].tolist()
    before = esmc.FORWARD_PASSES
    first = ensure_embeddings(sequences, tiny(tmp_path))
    assert first.report["embedded"] == 30 and first.report["forward_passes"] > 0
    assert esmc.FORWARD_PASSES - before == first.report["forward_passes"]
    middle = esmc.FORWARD_PASSES
    second = ensure_embeddings(reversed(sequences), tiny(tmp_path))
    assert middle == esmc.FORWARD_PASSES  # counted: no forward pass at all
    assert second.report["cached"] == 30 and second.report["embedded"] == 0 and second.report["forward_passes"] == 0
    for seq in sequences:
        assert np.array_equal(first.vectors[seq], second.vectors[seq])


def test_duplicates_are_embedded_once(tmp_path: Path) -> None:
    result = ensure_embeddings(SEQS + SEQS[:2], tiny(tmp_path))
    assert result.report["unique_sequences"] == len(SEQS) == result.report["embedded"]


@pytest.mark.parametrize("damage", ["truncate", "flip_byte", "garbage", "empty"])
def test_corrupt_entry_is_detected_and_recomputed(tmp_path: Path, damage: str) -> None:
    cfg = tiny(tmp_path)
    first = ensure_embeddings(SEQS, cfg)
    cache = EmbeddingCache(cfg.cache_dir, first.identity)
    path = cache.path(SEQS[3])
    data = path.read_bytes()
    damaged = {
        "truncate": data[: len(data) - 7],
        "flip_byte": data[:-1] + bytes([data[-1] ^ 0xFF]),
        "garbage": b"not an embedding",
        "empty": b"",
    }[damage]
    path.write_bytes(damaged)
    second = ensure_embeddings(SEQS, cfg)
    assert second.report["corrupt_recomputed"] == 1 and second.report["embedded"] == 1
    assert second.report["cached"] == len(SEQS) - 1
    assert path.read_bytes() == data  # rewritten, identical
    assert np.array_equal(second.vectors[SEQS[3]], first.vectors[SEQS[3]])


def test_entry_format_checks_the_sequence(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float16).reshape(3, 4)
    data = encode_entry("MKV", array, 3)
    assert data.startswith(MAGIC)
    assert np.array_equal(decode_entry(data, "MKV"), array)
    assert decode_entry(data, "MKW") is None  # an entry in the wrong place is not trusted


def test_cache_writes_are_atomic_and_described(tmp_path: Path) -> None:
    result = ensure_embeddings(SEQS, tiny(tmp_path))
    directory = Path(result.report["cache_dir"])
    assert (directory / "identity.json").is_file()
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".tmp")]
    assert len([p for p in files if p.suffix == ".emb"]) == len(SEQS)


def test_concurrent_writers_leave_only_complete_entries(tmp_path: Path) -> None:
    """Two runs embedding the same sequences into one cache at the same time (threads: torch releases the
    GIL), plus a temporary file a killed writer left behind: every entry still reads back intact."""
    sequences = peptides(24, seed=5)["sequence"].tolist()
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_embeddings(sequences, tiny(tmp_path)))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    directory = Path(results[0].report["cache_dir"])
    (directory / "ab").mkdir(exist_ok=True)
    (directory / "ab" / ".deadbeef.emb.12345.tmp").write_bytes(b"half")
    third = ensure_embeddings(sequences, tiny(tmp_path))
    assert third.report["cached"] == 24 and third.report["corrupt_recomputed"] == 0
    for seq in sequences:
        assert np.array_equal(third.vectors[seq], results[0].vectors[seq])


def test_length_sorted_batches_keep_padding_at_most_ten_percent() -> None:
    lengths = [int(n) + 2 for n in peptides(400)["sequence"].str.len()]
    sorted_batches = length_sorted_batches(lengths, batch_tokens=2048, max_pad_frac=0.10)
    assert sorted(i for b in sorted_batches for i in b) == list(range(400))
    for batch in sorted_batches:
        stats = padding_stats(lengths, [batch])
        assert stats["padded_share"] <= 0.10 and (stats["total_tokens"] <= 2048 or len(batch) == 1)
    assert padding_stats(lengths, sorted_batches)["padded_share"] <= 0.10
    unsorted = padding_stats(lengths, fixed_size_batches(400, 32))
    assert unsorted["padded_share"] > padding_stats(lengths, sorted_batches)["padded_share"]


def test_a_sequence_longer_than_the_budget_gets_its_own_batch() -> None:
    assert length_sorted_batches([5, 5, 100], batch_tokens=20, max_pad_frac=0.1) == [[0, 1], [2]]


# ---------------------------------------------------------------- pretrained weights, offline
def save_checkpoint(directory: Path, seed: int = 3) -> torch.nn.Module:
    model = esmc.tiny_model(64, 4, 2, seed)
    model.save_pretrained(directory)
    return model


def local(tmp_path: Path, weights_dir: Path | None, hf_repo: str | None = None) -> DictConfig:
    return tiny(
        tmp_path,
        name="esmc_local",
        weights="pretrained",
        weights_dir=None if weights_dir is None else str(weights_dir),
        hf_repo=hf_repo,
    )


def test_loads_weights_from_a_local_directory(tmp_path: Path) -> None:
    model = save_checkpoint(tmp_path / "weights").eval()
    assert sorted(p.name for p in (tmp_path / "weights").iterdir()) == ["config.json", "model.safetensors"]
    result = ensure_embeddings(SEQS, local(tmp_path, tmp_path / "weights"))
    assert result.report["pretrained"] == "loaded" and result.report["weights_from"] == str(tmp_path / "weights")
    direct = esmc.EsmcEmbedder(model, torch.device("cpu"), 1022).embed(SEQS)
    for seq, expected in zip(SEQS, direct, strict=True):
        np.testing.assert_allclose(result.vectors[seq].astype(np.float32), expected, atol=2e-3, rtol=2e-3)
    # the fingerprint is the weights' SHA-256: other weights, another cache folder
    save_checkpoint(tmp_path / "other", seed=4)
    other = ensure_embeddings(SEQS, local(tmp_path, tmp_path / "other"))
    assert other.identity.key() != result.identity.key() and other.report["embedded"] == len(SEQS)


def test_loads_weights_from_the_huggingface_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-made HF cache layout (blobs named by SHA-256, snapshot symlinks); nothing is downloaded."""
    from huggingface_hub import constants

    from protsweep.siamese.embed.identity import _file_sha256

    save_checkpoint(tmp_path / "w")
    hub = tmp_path / "hub"
    repo = hub / "models--someorg--esmc-test"
    snapshot = repo / "snapshots" / ("a" * 40)
    (repo / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    for name in ("config.json", "model.safetensors"):
        digest = _file_sha256(tmp_path / "w" / name)
        shutil.copy(tmp_path / "w" / name, repo / "blobs" / digest)
        os.symlink(repo / "blobs" / digest, snapshot / name)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub))
    cfg = local(tmp_path, tmp_path / "absent", hf_repo="someorg/esmc-test")
    location = locate_weights(cfg, tmp_path / "cache")
    assert location.directory == snapshot and "huggingface cache" in location.found_in
    assert location.fingerprint.endswith(_file_sha256(tmp_path / "w" / "model.safetensors"))
    assert ensure_embeddings(SEQS, cfg).report["pretrained"] == "loaded"


def test_missing_weights_say_where_they_were_looked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty_hub"))
    cfg = local(tmp_path, tmp_path / "nowhere", hf_repo="biohub/ESMC-300M")
    with pytest.raises(WeightsNotFoundError) as info:
        ensure_embeddings(SEQS, cfg)
    message = str(info.value)
    assert f"embedder.weights_dir={tmp_path / 'nowhere'} (no such directory)" in message
    assert str(tmp_path / "empty_hub") in message and "biohub/ESMC-300M (not cached)" in message
    assert "huggingface-cli download biohub/ESMC-300M" in message and "embedder=esmc_tiny" in message


def test_wrong_weights_for_the_option(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "w")
    cfg = OmegaConf.merge(local(tmp_path, tmp_path / "w"), {"hidden_size": 960, "num_layers": 30})
    with pytest.raises(Exception, match="says hidden_size=64, 2 layers: wrong weights"):
        ensure_embeddings(SEQS, cfg)


def test_random_identity_needs_no_model(tmp_path: Path) -> None:
    location = locate_weights(tiny(tmp_path), tmp_path)
    assert location.directory is None and "random-init seed=0" in location.fingerprint
    assert identity_of(tiny(tmp_path), location).pretrained is False


# ---------------------------------------------------------------- protsweep-embed
def test_embed_command_reports_embedded_then_cached(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_pairs_csv(tmp_path / "pairs.csv", n_proteins=20, n_pairs=40)
    args = [
        "data=pairs_csv",
        f"data.source.path={path}",
        "embedder=esmc_tiny",
        "embedder.progress=false",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]
    embed_main(args)
    assert "20 unique sequences, 20 embedded" in capsys.readouterr().out
    embed_main(args)
    out = capsys.readouterr().out
    assert "20 unique sequences, 0 embedded, 20 already cached" in out and "esmc_tiny (random)" in out


def test_embed_command_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        embed_main(["data=pairs_csv", f"data.source.path={tmp_path / 'missing.csv'}", "embedder=esmc_tiny"])
    assert info.value.code == 1
    assert "protsweep-embed: error:" in capsys.readouterr().err

"""``protsweep-embed --input``: an unlabelled FASTA or CSV embedded and exported with its ids."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from protsweep.siamese.embed.service import ensure_embeddings
from protsweep.siamese.embed_cli import main as embed_main

from .test_embed import tiny


def test_unlabelled_fasta_exports_with_its_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fasta = tmp_path / "new.fasta"
    fasta.write_text(">p1 first\nMKTAYIAKQR\n>p2\nGLFDIVKKVV\n>p3 has X\nGLFDXVKKVV\n>p4 same as p1\nMKTAYIAKQR\n")
    out = tmp_path / "new.h5"
    embed_main(["--input", str(fasta), "embedder=esmc_tiny", f"paths.cache_dir={tmp_path}",
                "embedder.progress=false", "--export", "h5", "--out", str(out)])
    captured = capsys.readouterr()
    assert str(out) in captured.out
    assert "1 record(s) skipped" in captured.err and "row 5" in captured.err
    cfg = tiny(tmp_path / "embeddings")
    cfg.cache_dir = str(tmp_path / "embeddings")
    vectors = ensure_embeddings(["MKTAYIAKQR", "GLFDIVKKVV"], cfg).vectors
    with h5py.File(out) as handle:
        assert [s.decode() for s in handle["ids"][:]] == ["p1", "p2", "p4"]
        assert [s.decode() for s in handle["sequences"][:]] == ["MKTAYIAKQR", "GLFDIVKKVV", "MKTAYIAKQR"]
        assert len(handle["residues"]) == 2  # p1 and p4 share one sequence's dataset
        np.testing.assert_allclose(handle["mean"][2], vectors["MKTAYIAKQR"].astype(np.float32).mean(axis=0),
                                   rtol=1e-5)


def test_csv_ids_come_from_the_id_column(tmp_path: Path) -> None:
    table = tmp_path / "new.csv"
    table.write_text("accession,sequence\nA1,MKTAYIAKQR\nA2,GLFDIVKKVV\n")
    out = tmp_path / "new.h5"
    embed_main(["--input", str(table), "--id-col", "accession", "embedder=esmc_tiny", f"paths.cache_dir={tmp_path}",
                "embedder.progress=false", "--export", "h5", "--out", str(out)])
    with h5py.File(out) as handle:
        assert [s.decode() for s in handle["ids"][:]] == ["A1", "A2"]


@pytest.mark.slow
def test_proteinbert_exports_per_residue_and_global_representations(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    fasta = tmp_path / "new.fasta"
    fasta.write_text(">p1\nMKTAYIAKQR\n>p2\nGLFDIVKKVVGA\n")
    out = tmp_path / "pb.h5"
    embed_main(["model=proteinbert_tiny", "--input", str(fasta), "--export", "h5", "--out", str(out)])
    assert str(out) in capsys.readouterr().out
    with h5py.File(out) as handle:
        assert [s.decode() for s in handle["ids"][:]] == ["p1", "p2"]
        assert handle.attrs["family"] == "proteinbert" and handle.attrs["pretrained"] == "random"
        assert handle["global"].shape[0] == 2 and handle["global"].shape[1] > 0
        lengths = sorted(d.shape[0] for d in handle["residues"].values())
        assert lengths == [10, 12]  # one vector per residue, <START>/<END> dropped
        assert np.isfinite(handle["global"][:]).all()


def test_proteinbert_needs_an_input_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        embed_main(["model=proteinbert_tiny", "--export", "h5"])
    assert exit_info.value.code == 1
    assert "add --input FILE --export h5" in capsys.readouterr().err

"""Every bad input the issue and the README name, through the real command: one line naming the file, row
or key, a non-zero exit, no traceback, and (where a framework would follow) nothing of TensorFlow or torch
imported. With tests/data/test_bad_input_cli.py (9 data cases, 2 closed choices) and tests/test_app.py
(5 config and data mistakes) this makes more than 30 kinds of bad input."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from tests.saved.test_card_payloads import make_run

PB = ["model=proteinbert_tiny"]
SIAMESE = ["model=siamese", "embedder=esmc_tiny", "data=pairs_csv", "data.source.path={tmp}/pairs.csv"]
DUMP = [*PB, "model.pretrained=required", "model.download=false"]
GOOD_CSV = "sequence,label\n" + "".join(f"{'ACDEFGHIKLMNPQRSTVWY'[i % 20] * 8}K{i},{i % 2}\n" for i in range(4))


class Payload:
    """A pickle that would create ``marker`` when unpickled, the way a planted file runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def _files(tmp: Path) -> None:
    (tmp / "pairs.csv").write_text("seq_a,seq_b,label\nACDE,FGHI,1\nKLMN,PQRS,0\n")
    (tmp / "labels_2.csv").write_text("sequence,label\nACDEK,1\nGGWKK,2\n")
    (tmp / "nan_label.csv").write_text("sequence,label\nACDEK,1\nGGWKK,\n")
    (tmp / "bad_char.csv").write_text("sequence,label\nACDEK,1\nGG1KK,0\n")
    (tmp / "no_label_col.csv").write_text("sequence,y\nACDEK,1\nGGWKK,0\n")
    (tmp / "empty_seq.csv").write_text('sequence,label\nACDEK,1\n"",0\n')
    (tmp / "good.csv").write_text(GOOD_CSV)
    (tmp / "notapickle.pkl").write_bytes(b"this is not a pickle")
    (tmp / "truncated.pkl").write_bytes(pickle.dumps((1, [np.zeros(3)], None))[:-7])
    (tmp / "dict.pkl").write_bytes(pickle.dumps({"weights": [np.zeros(3)]}))
    (tmp / "pair.pkl").write_bytes(pickle.dumps((1, [np.zeros(3)])))
    (tmp / "strings.pkl").write_bytes(pickle.dumps((1, ["w1", "w2"], None)))
    (tmp / "planted.pkl").write_bytes(pickle.dumps((1, [Payload(tmp / "PWNED")], None)))
    (tmp / "good.pkl").write_bytes(pickle.dumps((1, [np.zeros(3)], None)))
    (tmp / "huge.pkl").write_bytes(pickle.dumps((1, [HugeArray()], None), protocol=2))
    (tmp / "dup_ids.csv").write_text("id,sequence,label\np1,ACDEK,1\np2,GGWKK,0\np1,KLMNP,0\n")
    (tmp / "repeats.csv").write_text("sequence,label\n" + "ACDEK,1\n" * 5000 + "GGWKK,0\n")
    (tmp / "running").mkdir()
    (tmp / "running" / "run.json").write_text('{"status": "running"}')
    weights = {"00000": np.array([1.0, np.nan], dtype=np.float32)}
    for family in ("proteinbert", "siamese"):
        run = make_run(tmp / f"nan_{family}", weights=weights, family=family)
        (run.parent / "run").rename(tmp / f"nan_{family}_run")


class HugeArray:
    """Pickles as numpy's own array reconstruction (allowed globals only) of an array claiming 9 TiB."""

    def __reduce__(self) -> tuple:
        rebuild, (cls, _, base), state = np.zeros(3).__reduce__()
        return rebuild, (cls, (9 * 2**40,), base), state


#: case -> (arguments, the start of the error line after "protsweep: error: "); ``{tmp}`` is the test folder
CASES: dict[str, tuple[list[str], str]] = {
    "seed-negative": ([*PB, "seed=-1"], "seed=-1 is out of range"),
    "seed-too-large": ([*PB, "seed=4294967296"], "seed=4294967296 is out of range"),
    "unknown-key-plus": ([*PB, "+trainer.bach_size=8"], "unknown config key(s) trainer.bach_size"),
    "unknown-root-key-plus": ([*PB, "+sed=3"], "unknown config key(s) sed"),
    "unknown-key-siamese": ([*SIAMESE, "+model.encoder.widht=3"], "unknown config key(s) model.encoder.widht"),
    "sweep-name-escapes": (["-m", *PB, "ablation.name=../../x"], "ablation.name='../../x' is not a safe folder"),
    "sweep-name-slash": (["-m", *PB, "ablation.name=a/b"], "ablation.name='a/b' is not a safe folder"),
    "contrastive-with-proteinbert": ([*PB, "loss=contrastive"], "loss=contrastive does not apply to ProteinBERT"),
    "label-smoothing-0.5": ([*PB, "loss.label_smoothing=0.5"], "loss.label_smoothing must lie in [0, 0.5)"),
    "labels-not-binary": ([*PB, "data=csv", "data.source.path={tmp}/labels_2.csv"], "{tmp}/labels_2.csv, row"),
    "label-nan": ([*PB, "data=csv", "data.source.path={tmp}/nan_label.csv"], "{tmp}/nan_label.csv, row"),
    "non-amino-acid": ([*PB, "data=csv", "data.source.path={tmp}/bad_char.csv"], "{tmp}/bad_char.csv, row"),
    "empty-sequence": ([*PB, "data=csv", "data.source.path={tmp}/empty_seq.csv"], "{tmp}/empty_seq.csv, row"),
    "missing-label-column": ([*PB, "data=csv", "data.source.path={tmp}/no_label_col.csv"], "{tmp}/no_label_col.csv"),
    "dump-not-a-pickle": ([*DUMP, "model.weights_path={tmp}/notapickle.pkl"], "{tmp}/notapickle.pkl: not a"),
    "dump-truncated": ([*DUMP, "model.weights_path={tmp}/truncated.pkl"], "{tmp}/truncated.pkl: not a"),
    "dump-dict": ([*DUMP, "model.weights_path={tmp}/dict.pkl"], "{tmp}/dict.pkl: not a ProteinBERT dump: not a 3"),
    "dump-two-tuple": ([*DUMP, "model.weights_path={tmp}/pair.pkl"], "{tmp}/pair.pkl: not a ProteinBERT dump: not a"),
    "dump-strings": ([*DUMP, "model.weights_path={tmp}/strings.pkl"], "{tmp}/strings.pkl: not a ProteinBERT dump"),
    "dump-planted-payload": ([*DUMP, "model.weights_path={tmp}/planted.pkl"], "{tmp}/planted.pkl: not a"),
    "dump-claims-9-tib": ([*DUMP, "model.weights_path={tmp}/huge.pkl"], "{tmp}/huge.pkl: not a ProteinBERT dump: it"),
    "duplicate-ids": (
        [*PB, "data=csv", "data.source.path={tmp}/dup_ids.csv", "data.source.id_col=id"],
        "{tmp}/dup_ids.csv, field 'id': id 'p1' names different sequences in rows 2, 4: ids must be unique",
    ),
    "dedup-error-5000-repeats": (
        [*PB, "data=csv", "data.source.path={tmp}/repeats.csv", "data.dedup=error"],
        "{tmp}/repeats.csv, row 2: sequence repeated in rows 2, 3, 4, 5, 6 and 4,995 more (data.dedup=error)",
    ),
    "shared-data-missing": (
        [*PB, "data=hemolysis", "paths.shared_data={tmp}/nowhere"],
        "{tmp}/nowhere/hemolysis/hemolysis.csv: data file not found (this data option reads it from paths.shared_data",
    ),
    "init-from-missing": ([*PB, "trainer.init_from={tmp}/nope"], "trainer.init_from={tmp}/nope: no such run directory"),
    "init-from-running": ([*PB, "trainer.init_from={tmp}/running"], "trainer.init_from={tmp}/running: run.json does"),
    "init-from-nan-weights-proteinbert": (
        [*PB, "trainer.init_from={tmp}/nan_proteinbert_run"],
        "{tmp}/nan_proteinbert_run/model/model.safetensors: tensor '00000' holds 1 non-finite value(s)",
    ),
    "init-from-nan-weights-siamese": (
        [*SIAMESE, "trainer.init_from={tmp}/nan_siamese_run"],
        "{tmp}/nan_siamese_run/model/model.safetensors: tensor '00000' holds 1 non-finite value(s)",
    ),
    "dump-wrong-sha256": (
        [*DUMP, "model.weights_path={tmp}/good.pkl", "model.weights_sha256=" + "0" * 64],
        "{tmp}/good.pkl: SHA-256 differs from model.weights_sha256",
    ),
}


@pytest.fixture
def no_frameworks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tensorflow`` and ``torch`` packages that raise when imported, first on the child's path."""
    shadow = tmp_path / "shadow"
    for name in ("tensorflow", "torch"):
        (shadow / name).mkdir(parents=True)
        (shadow / name / "__init__.py").write_text(f"raise ImportError('{name} was imported')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")]))


def test_enough_kinds_of_bad_input() -> None:
    assert len(CASES) + 9 + 2 + 5 >= 38


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_before_any_framework(cli, tmp_path: Path, no_frameworks, case: str) -> None:
    args, line = CASES[case]
    _files(tmp_path)
    out = cli([a.format(tmp=tmp_path) for a in args], cwd=tmp_path, timeout=300)
    errors = [row for row in out.stderr.splitlines() if row.startswith("protsweep: error")]
    assert out.returncode != 0
    assert len(errors) == 1, out.stderr[-2000:]
    assert errors[0].startswith(f"protsweep: error: {line.format(tmp=tmp_path)}"), errors[0]
    assert "Traceback" not in out.stderr + out.stdout
    assert "was imported" not in out.stderr + out.stdout
    assert not (tmp_path / "PWNED").exists()  # the planted payload never ran
    assert not (tmp_path.parent / "x").exists() and not (tmp_path / "outputs" / "x").exists()

"""``model.arch=complex_siamese``: pairs of (ligand, receptor) complexes from a pair table or sampled from a
labelled complex table, the shared complex encoder with cross-attention, and a run end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import DictConfig, OmegaConf

from protsweep.data.config import ComplexPairDataConfig
from protsweep.data.pairs.complex_sources import sample_pairs
from protsweep.data.pairs.complexes import load_complex_data
from protsweep.data.pairs.dataset import all_pair_sequences, is_pair_data
from protsweep.errors import ConfigError, DataError
from protsweep.siamese.loss_heads import check_config
from protsweep.siamese.net.build import build_network, split_tensors
from protsweep.siamese.net.complex import ComplexSiameseModel, pack_complex, unpack_complex
from protsweep.siamese.schema import PairHead
from protsweep.siamese.train.batches import pad_batch

from .conftest import TINY, compose_config
from .pairgen import peptides
from .test_cli import protsweep

CSV_TARGET = "protsweep.data.pairs.complex_sources.ComplexPairsCsvSource"
TABLE_TARGET = "protsweep.data.pairs.complex_sources.ComplexTableSource"


def complexes(n: int = 24, seed: int = 0) -> pd.DataFrame:
    """``n`` complexes of distinct peptides; class = (ligand class, receptor class), so 4 classes that residue
    composition tells apart."""
    prot = peptides(2 * n, seed).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    lig, rec = prot.iloc[:n].reset_index(drop=True), prot.iloc[n:].reset_index(drop=True)
    return pd.DataFrame(
        {
            "id": [f"C{i:03d}" for i in range(n)],
            "ligand": lig["sequence"],
            "receptor": rec["sequence"],
            "class": [f"{a}{b}" for a, b in zip(lig["cls"], rec["cls"], strict=True)],
        }
    )


def write_complex_pairs(path: Path, n_complexes: int = 24, n_pairs: int = 120, seed: int = 0) -> Path:
    table = complexes(n_complexes, seed)
    picks, _ = sample_pairs(table["class"].to_numpy(), n_pairs, 0.5, seed)
    rows = [
        (table.ligand[i], table.receptor[i], table.ligand[j], table.receptor[j], label) for i, j, label in picks
    ]
    pd.DataFrame(rows, columns=["ligand_1", "receptor_1", "ligand_2", "receptor_2", "label"]).to_csv(path, index=False)
    return path


def data_cfg(source: dict[str, Any], **options: Any) -> DictConfig:
    fields = {"name": "complex_pairs_csv", "source": source, **options}
    return OmegaConf.merge(OmegaConf.structured(ComplexPairDataConfig), fields)


def tiny_model_cfg(*overrides: str) -> DictConfig:
    return compose_config(*TINY, "model.arch=complex_siamese", "model.complex.n_heads=2", *overrides).model


# ---------------------------------------------------------------- sampling and data
def test_sampled_pairs_are_labelled_by_class_and_distinct() -> None:
    classes = np.array(list("aaabbbbcc"))
    picks, report = sample_pairs(classes, n_pairs=20, positive_frac=0.4, seed=1)
    assert all(label == int(classes[i] == classes[j]) for i, j, label in picks)
    assert len({(i, j) for i, j, _ in picks}) == len(picks) and all(i < j for i, j, _ in picks)
    assert report == {"requested": 20, "sampled": 20, "n_pos": 8, "n_neg": 12}
    _, capped = sample_pairs(classes, n_pairs=100, positive_frac=0.5, seed=1)
    assert capped["n_pos"] == 3 + 6 + 1  # every same-class pair there is: C(3,2) + C(4,2) + C(2,2)


def test_complex_pairs_csv_is_split_by_complex(tmp_path: Path) -> None:
    path = write_complex_pairs(tmp_path / "c.csv")
    data = load_complex_data(data_cfg({"_target_": CSV_TARGET, "path": str(path)}, split="cold"))
    assert data.report["kind"] == "complexes" and data.report["n_complexes"] <= 24
    owner: dict[str, set[str]] = {}
    for name in ("train", "valid", "test"):
        part = data.split(name)
        assert (part["seq_a"] == part["ligand_a"] + ":" + part["receptor_a"]).all()
        for key in pd.concat([part["seq_a"], part["seq_b"]]):
            owner.setdefault(key, set()).add(name)
    assert all(len(splits) == 1 for splits in owner.values())  # no complex in two splits
    assert set(data.unique_sequences()) <= set(complexes().ligand) | set(complexes().receptor)


def test_a_pair_of_complexes_in_either_order_is_one_pair(tmp_path: Path) -> None:
    path = write_complex_pairs(tmp_path / "c.csv", n_pairs=60)
    frame = pd.read_csv(path)
    swapped = frame.iloc[[0]].rename(
        columns={"ligand_1": "ligand_2", "receptor_1": "receptor_2", "ligand_2": "ligand_1", "receptor_2": "receptor_1"}
    )
    pd.concat([frame, swapped]).to_csv(path, index=False)
    data = load_complex_data(data_cfg({"_target_": CSV_TARGET, "path": str(path)}))
    assert data.report["dedup"]["duplicate_rows"] == 1 and data.report["n_pairs"] == 60


def test_complex_table_is_sampled_by_class(tmp_path: Path) -> None:
    table = complexes()
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    source = {"_target_": TABLE_TARGET, "path": str(path), "id_col": "id", "n_pairs": 80, "seed": 3}
    data = load_complex_data(data_cfg(source))
    cls = dict(zip(table["id"], table["class"], strict=True))
    kept = pd.concat([data.split(n) for n in ("train", "valid", "test")])
    assert (kept["label"] == [int(cls[a] == cls[b]) for a, b in zip(kept["id_a"], kept["id_b"], strict=True)]).all()
    assert data.report["sampling"]["sampled"] == 80 and data.report["sampling"]["seed"] == 3


# ---------------------------------------------------------------- bad input: one line each
def test_bad_complex_inputs(tmp_path: Path) -> None:
    path = write_complex_pairs(tmp_path / "c.csv", n_pairs=30)
    frame = pd.read_csv(path)
    frame.loc[4, "receptor_2"] = "ACD1"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError, match=r"bad.csv, row 6, field 'receptor_2': character '1' at position 4"):
        load_complex_data(data_cfg({"_target_": CSV_TARGET, "path": str(tmp_path / "bad.csv")}))
    with pytest.raises(DataError, match="missing ligand_a column 'lig1'"):
        load_complex_data(data_cfg({"_target_": CSV_TARGET, "path": str(path), "ligand_1_col": "lig1"}))
    complexes().to_csv(tmp_path / "t.csv", index=False)
    table = {"_target_": TABLE_TARGET, "path": str(tmp_path / "t.csv")}
    with pytest.raises(ConfigError, match=r"data\.labels\.mapping must be binary"):
        load_complex_data(data_cfg(table, labels={"mapping": "threshold", "threshold": 1.0}))


def test_arch_and_data_kind_must_agree(tmp_path: Path) -> None:
    pairs = compose_config("model.arch=complex_siamese", "embedder=esmc_tiny")  # guo_yeast_ppi: pairs
    with pytest.raises(ConfigError, match=r"holds pairs; model.arch=complex_siamese needs pairs of complexes"):
        check_config(pairs)
    cplx = compose_config("data=complex_pairs_csv", "data.source.path=x.csv", "embedder=esmc_tiny")
    with pytest.raises(ConfigError, match="holds pairs of complexes; model=siamese needs pairs"):
        check_config(cplx)
    ok = compose_config("data=complex_pairs_csv", "data.source.path=x.csv", "model.arch=complex_siamese")
    assert check_config(ok) is PairHead.cross_attention


# ---------------------------------------------------------------- the network
def _complex(rng: torch.Generator, ll: int, lr: int, d: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(ll, d, generator=rng), torch.randn(lr, d, generator=rng)


def _packed(items: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    xl, ml = pad_batch([lig for lig, _ in items], torch.device("cpu"))
    xr, mr = pad_batch([rec for _, rec in items], torch.device("cpu"))
    return pack_complex(xl, ml, xr, mr)


def test_pack_unpack_round_trip() -> None:
    rng = torch.Generator().manual_seed(0)
    items = [_complex(rng, 3, 5), _complex(rng, 6, 2)]
    x, seg = _packed(items)
    xl, ml, xr, mr = unpack_complex(x, seg)
    assert xl.shape[1] == 6 and xr.shape[1] == 5
    for row, (lig, rec) in enumerate(items):
        assert torch.equal(xl[row, ml[row]], lig) and torch.equal(xr[row, mr[row]], rec)
    assert seg.tolist()[0] == [1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 2]


@pytest.mark.parametrize(("loss", "head"), [("bce", PairHead.cross_attention), ("contrastive", PairHead.contrastive)])
def test_shared_complex_encoder_is_symmetric_and_padding_invariant(loss: str, head: PairHead) -> None:
    torch.manual_seed(0)
    model = build_network(8, tiny_model_cfg(f"loss={loss}"), head).eval()
    assert isinstance(model, ComplexSiameseModel)
    rng = torch.Generator().manual_seed(1)
    c1, c2, c3 = _complex(rng, 4, 7), _complex(rng, 5, 3), _complex(rng, 9, 11)
    with torch.no_grad():
        one = model(*_packed([c1]), *_packed([c2])).prob
        swapped = model(*_packed([c2]), *_packed([c1])).prob
        batched = model(*_packed([c1, c3]), *_packed([c2, c2])).prob  # c3 pads row 0 on both sides
    assert one.item() == pytest.approx(swapped.item(), abs=1e-6)
    assert one.item() == pytest.approx(batched[0].item(), abs=1e-5)
    with torch.no_grad():  # the roles matter: ligand and receptor swapped is another complex
        flipped = model(*_packed([(c1[1], c1[0])]), *_packed([c2])).prob
    assert flipped.item() != pytest.approx(one.item(), abs=1e-6)


def test_split_tensors_batch_four_sequences(tmp_path: Path) -> None:
    data = load_complex_data(data_cfg({"_target_": CSV_TARGET, "path": str(write_complex_pairs(tmp_path / "c.csv"))}))
    embeddings = {s: torch.ones(len(s), 4, dtype=torch.float16) for s in data.unique_sequences()}
    tensors = split_tensors(tiny_model_cfg(), data.test, embeddings, train=False)
    batch = next(tensors.in_order(4, torch.device("cpu")))
    row = data.test.iloc[batch.index[0]]
    assert int((batch.ma[0] == 1).sum()) == len(row.ligand_a) and int((batch.ma[0] == 2).sum()) == len(row.receptor_a)
    assert int((batch.mb[0] == 1).sum()) == len(row.ligand_b) and int((batch.mb[0] == 2).sum()) == len(row.receptor_b)


# ---------------------------------------------------------------- end to end
@pytest.mark.slow
def test_complex_siamese_run_end_to_end(tmp_path: Path) -> None:
    path = write_complex_pairs(tmp_path / "complex_pairs.csv", n_complexes=30, n_pairs=160)
    run_dir = tmp_path / "run"
    done = protsweep(
        tmp_path,
        "model=siamese",
        "model.arch=complex_siamese",
        "model.complex.n_heads=2",
        "data=complex_pairs_csv",
        f"data.source.path={path}",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"hydra.run.dir={run_dir}",
        *TINY,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "completed" and run["network"]["arch"] == "complex_siamese"
    assert run["data"]["kind"] == "complexes" and run["pretrained"] == "random"
    frame = pd.read_csv(path)
    sequences = set(pd.concat([frame[c] for c in ("ligand_1", "receptor_1", "ligand_2", "receptor_2")]))
    assert run["embedder"]["embedded"] == len(sequences)
    pred = pd.read_csv(run_dir / "predictions.csv")
    assert list(pred.columns) == ["split", "id", "sequence", "label", "prob", "prob_raw", "id_a", "id_b"]
    parts = pred["sequence"].str.split(r"[:|]", regex=True)
    assert (parts.str.len() == 4).all() and set(parts.explode()) <= sequences
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test"]["n"] == int((pred["split"] == "test").sum()) and 0.0 <= metrics["test"]["auc"] <= 1.0
    history = pd.read_csv(run_dir / "history.csv")
    assert len(history) == metrics["epochs_run"]


def test_protsweep_embed_lists_every_ligand_and_receptor(tmp_path: Path) -> None:
    path = write_complex_pairs(tmp_path / "c.csv", n_pairs=40)
    frame = pd.read_csv(path)
    expected = set(pd.concat([frame[c] for c in ("ligand_1", "receptor_1", "ligand_2", "receptor_2")]))
    cfg = data_cfg({"_target_": CSV_TARGET, "path": str(path)})
    assert set(all_pair_sequences(cfg)) == expected and is_pair_data(cfg)


def test_complex_pairs_with_a_score_take_soft_targets(tmp_path: Path) -> None:
    path = write_complex_pairs(tmp_path / "c.csv", n_pairs=60)
    frame = pd.read_csv(path)
    frame["score"] = frame["label"] * 2.0 + np.linspace(0.0, 1.0, len(frame))
    frame.to_csv(path, index=False)
    source = {"_target_": CSV_TARGET, "path": str(path), "label_col": "score"}
    data = load_complex_data(data_cfg(source, labels={"mapping": "rank", "threshold": 1.5}))
    kept = pd.concat([data.split(n) for n in ("train", "valid", "test")])
    ranks = frame["score"].rank(method="average")
    keys = frame["ligand_1"] + frame["receptor_1"] + frame["ligand_2"]
    by_key = dict(zip(keys, (ranks - 1) / (len(frame) - 1), strict=True))
    kept_keys = kept["ligand_a"] + kept["receptor_a"] + kept["ligand_b"]
    assert kept["target"].to_numpy() == pytest.approx(kept_keys.map(by_key).to_numpy())
    assert data.report["labels"]["target"] == "soft" and (kept["label"] == (kept["target"] > 0.5)).all()

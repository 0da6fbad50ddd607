"""The model card: what rebuilds a run's saved model without its training data, and the weights' checksum.

``<run dir>/model/`` holds the weights file (``model.safetensors`` for both families; never a pickle) and
``model_card.json``. The card holds the resolved config, the prediction settings
(ProteinBERT: seq_len, padding, n_annotations; Siamese: the embedder identity and cache), the calibrator's
parameters (metrics.json's ``calibration``) and the weights' sha256 and size. Both files are written
atomically; a damaged or mismatched file is a :class:`ProtsweepError` naming it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError, safe_open

from protsweep.errors import ProtsweepError

MODEL_DIR = "model"
CARD_JSON = "model_card.json"
CARD_FORMAT = 1
#: keys every card has (a family adds its own under ``family_settings``)
CARD_KEYS = ("format", "family", "weights", "config", "calibration", "family_settings")


def model_dir(run_dir: Path) -> Path:
    return Path(run_dir) / MODEL_DIR


def card_path(run_dir: Path) -> Path:
    return model_dir(run_dir) / CARD_JSON


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def weights_entry(path: Path, fmt: str) -> dict[str, Any]:
    """The card's (and run.json's) description of a weights file just written."""
    return {"file": path.name, "format": fmt, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def read_card(run_dir: Path, family: str | None = None) -> dict[str, Any]:
    """The card of ``run_dir``'s saved model; ``family`` (when given) must match its family."""
    path = card_path(run_dir)
    if not path.is_file():
        raise ProtsweepError(f"{path}: no saved model (the run predates saving, failed, or ran with save_model=false)")
    try:
        card = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProtsweepError(f"{path}: not a readable model card ({err})") from err
    missing = [key for key in CARD_KEYS if not isinstance(card, dict) or key not in card]
    if missing:
        raise ProtsweepError(f"{path}: not a protsweep model card (missing {', '.join(missing)})")
    if card["format"] != CARD_FORMAT:
        raise ProtsweepError(f"{path}: model card format {card['format']!r}, this protsweep reads {CARD_FORMAT}")
    if family is not None and card["family"] != family:
        raise ProtsweepError(f"{path}: a {card['family']} model, not a {family} one")
    return card


def verified_weights(run_dir: Path, card: dict[str, Any]) -> Path:
    """The weights file the card names, after checking that it exists and its sha256 matches."""
    entry = card["weights"]
    if not isinstance(entry, dict) or Path(str(entry.get("file"))).name != str(entry.get("file")):
        raise ProtsweepError(f"{card_path(run_dir)}: 'weights' must name a file inside {MODEL_DIR}/")
    path = model_dir(run_dir) / str(entry["file"])
    if not path.is_file():
        raise ProtsweepError(f"{path}: the weights file named by {CARD_JSON} is missing")
    actual = sha256_file(path)
    if actual != entry["sha256"]:
        raise ProtsweepError(
            f"{path}: checksum mismatch (sha256 {actual[:12]}..., the card says {str(entry['sha256'])[:12]}...): "
            "the file is damaged or was changed after saving"
        )
    return path


def check_finite_weights(path: Path) -> None:
    """Refuse a safetensors weights file holding NaN or infinite values (they make every prediction wrong),
    naming the first such tensor; read with numpy, before any framework builds a model."""
    try:
        with safe_open(str(path), framework="np") as tensors:
            for key in tensors.keys():  # noqa: SIM118 (safe_open is not a mapping)
                values = tensors.get_tensor(key)
                if values.dtype.kind in "fc" and not np.isfinite(values).all():
                    bad = int(values.size - np.isfinite(values).sum())
                    raise ProtsweepError(
                        f"{path}: tensor {key!r} holds {bad} non-finite value(s) (NaN or inf): the weights are unusable"
                    )
    except (SafetensorError, OSError, ValueError, TypeError) as err:
        raise ProtsweepError(f"{path}: not a readable safetensors weights file ({err})") from err


def shape_mismatch(found: list[tuple[int, ...]], wanted: list[tuple[int, ...]]) -> str:
    """Why stored arrays do not fit a model's weights: their counts, or the first array whose shape differs."""
    if len(found) != len(wanted):
        return f"the file holds {len(found)} arrays, the model has {len(wanted)} weights"
    first = next(i for i, (f, w) in enumerate(zip(found, wanted, strict=True)) if f != w)
    n_diff = sum(f != w for f, w in zip(found, wanted, strict=True))
    return (f"{n_diff} of the {len(wanted)} arrays differ in shape from the model's weights "
            f"(first: array {first} is {found[first]}, the model's weight is {wanted[first]})")

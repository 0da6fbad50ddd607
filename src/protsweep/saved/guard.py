"""What a model card may name: only the project's own registered components, never code.

A model folder is data that users download and share. Its card's config names components by the
``_target_``s of protsweep's own option files (``conf/<group>/<option>.yaml``) and its calibrator by one of
the registered calibrators; anything else - ``os.system``, ``pandas.read_pickle``, ``builtins.eval``, a class
of another group - is refused in one line, before anything is imported, instantiated or built. The weights'
sha256 (and the card's, where the run's ``run.json`` recorded it) is checked first by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from protsweep.calibration.calibrators import CALIBRATORS
from protsweep.config_store import all_schemas
from protsweep.errors import ProtsweepError
from protsweep.family import families
from protsweep.record.contract import RUN_JSON
from protsweep.saved.card import card_path, check_finite_weights, read_card, sha256_file, verified_weights
from protsweep.schema import config_dir
from protsweep.targets import read_option

TARGET = "_target_"
#: option folders that are not config groups of a job (Hydra's own settings, sweeps and stacked bases)
NOT_GROUPS = ("hydra", "sweep", "base", "variant")


def _targets_in(node: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """``(dotted key of the node, target)`` for every ``_target_`` in a parsed YAML/JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == TARGET:
                yield prefix, value if isinstance(value, str) else repr(value)
            else:
                yield from _targets_in(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _targets_in(value, f"{prefix}[{i}]")


@cache
def registered_targets() -> dict[str, frozenset[str]]:
    """Config group -> the ``_target_``s the project's option files and schemas put anywhere in it (an option
    may compose others, as ``augment=truncate_blosum`` nests its steps); ``calibration``: the calibrators."""
    found: dict[str, set[str]] = {"calibration": set(CALIBRATORS)}
    for (group, _), schema in all_schemas(config_dir()).items():
        target = getattr(schema, "__dataclass_fields__", {}).get(TARGET)
        if group and target is not None and isinstance(target.default, str):
            found.setdefault(group.split("/")[0], set()).add(target.default)
    roots = [config_dir(), *(f.conf_dir for f in families().values() if f.conf_dir is not None)]
    for folder in sorted(p for root in roots for p in root.iterdir() if p.is_dir() and p.name not in NOT_GROUPS):
        for option in sorted(folder.glob("*.yaml")):
            parsed = read_option(option)
            found.setdefault(folder.name, set()).update(target for _, target in _targets_in(parsed, folder.name))
    return {key: frozenset(values) for key, values in found.items()}


def check_card_components(card: dict[str, Any], where: Path) -> None:
    """Refuse a card whose config or calibrator names anything but a registered component of the group it
    sits in (one line)."""
    allowed = registered_targets()
    trees = (("", card.get("config")), ("calibration", card.get("calibration")))
    for prefix, tree in trees:
        for key, target in _targets_in(tree, prefix):
            group = key.split(".")[0].split("[")[0]
            if target not in allowed.get(group, ()) or (group == "calibration" and key != "calibration"):
                raise ProtsweepError(
                    f"{where}: {key or 'config'}._target_={str(target)[:120]!r} is not one of protsweep's registered "
                    "components: a model card names components, never code (the card was edited or is not protsweep's)"
                )


def check_family(card: dict[str, Any], families: Any, where: Path) -> str:
    """The card's family, refused in one line unless it is one of ``families``."""
    family = card.get("family")
    if not isinstance(family, str) or family not in families:
        raise ProtsweepError(
            f"{where}: family {str(family)[:60]!r} is not a protsweep model family ({', '.join(sorted(families))})"
        )
    return family


def check_card_sha256(run_dir: Path) -> None:
    """The card's sha256 against the one its run recorded (``run.json`` ``saved_model.card_sha256``), when
    the model folder sits in its run folder and the run recorded one."""
    try:
        saved = json.loads((Path(run_dir) / RUN_JSON).read_text()).get("saved_model") or {}
    except (OSError, ValueError, AttributeError):
        return
    expected = saved.get("card_sha256") if isinstance(saved, dict) else None
    path = card_path(run_dir)
    if isinstance(expected, str) and path.is_file() and sha256_file(path) != expected:
        raise ProtsweepError(
            f"{path}: checksum differs from the one its run recorded (run.json saved_model.card_sha256): "
            "the card was changed after saving"
        )


def trusted_card(run_dir: Path, families: Any) -> dict[str, Any]:
    """``run_dir``'s card after every check that needs no framework: the card's and the weights' sha256, the
    family, the registered components, finite weights. Nothing of the card is imported or built before."""
    check_card_sha256(run_dir)
    card = read_card(run_dir)
    where = card_path(run_dir)
    check_family(card, families, where)
    check_card_components(card, where)
    weights = verified_weights(run_dir, card)
    if weights.suffix == ".safetensors":  # the built-in families' format; another family's loader checks its own
        check_finite_weights(weights)
    return card

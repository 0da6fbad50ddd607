"""The run.json keys docs/run-record.md documents: its JSON block's top-level keys, and the keys its sentence
after the block says some runs add."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "run-record.md"


def documented_run_json_keys() -> tuple[list[str], set[str]]:
    """(the block's top-level keys in order, the keys some runs add: ``add `a`, `b` and `c` to run.json``)."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("`run.json` (", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    keys = re.findall(r'^  "(\w+)":', block, flags=re.MULTILINE)
    after = text.split("```json\n", 1)[1].split("```", 1)[1].split("\n\n", 2)[1]
    extra = set(re.findall(r"`(\w+)`", after.split("Siamese `wall_seconds`")[0]))
    return keys, extra

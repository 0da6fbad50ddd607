"""What ``protsweep-predict`` (and :mod:`protsweep.api`) does with a residue outside the model's alphabet.

Training refuses such a record (the data must be clean); prediction must not refuse a whole file for one record:

* ``map`` (default): the non-standard residues with a standard counterpart are replaced by it (:data:`MAPPED`:
  selenocysteine U -> C, pyrrolysine O -> K, Asx B -> N, Glx Z -> Q, when the counterpart is in the alphabet);
  a record still holding another residue (``X``, ``*``, a digit) is skipped;
* ``skip``: every record with a residue outside the alphabet is skipped;
* ``refuse``: one line naming the file, row and residue, as in training.

Skipped and mapped records are counted in one note line (:meth:`ResiduePolicy.note`); the output has one row per
kept record.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from protsweep.data.validate import is_blank, normalise_sequence
from protsweep.errors import DataError

#: non-standard residue -> the standard residue ``map`` puts in its place
MAPPED: dict[str, str] = {"U": "C", "O": "K", "B": "N", "Z": "Q"}
POLICIES = ("map", "skip", "refuse")


def _mapped(residue: str, alphabet: str) -> str:
    """The residue ``map`` puts in place of ``residue`` (itself when it is in the alphabet or has no mapping)."""
    target = MAPPED.get(residue)
    return target if residue not in alphabet and target is not None and target in alphabet else residue


@functools.cache
def _map_table(alphabet: str) -> dict[int, str]:
    """``str.translate``'s table of :func:`_mapped` for ``alphabet`` (the residues it changes)."""
    return {ord(residue): _mapped(residue, alphabet) for residue in MAPPED if _mapped(residue, alphabet) != residue}


@dataclass
class ResiduePolicy:
    """One policy for one input; counts what it mapped and skipped (for :meth:`note`)."""

    name: str = "map"
    mapped: int = 0
    skipped: list[str] = field(default_factory=list)  #: "row N" of each skipped record

    def sequence(self, value: object, alphabet: str, source: str, row: int, field_name: str) -> str | None:
        """The checked sequence, mapped per the policy; None for a skipped record."""
        if self.name == "refuse" or is_blank(value):  # an empty sequence is a broken file: one line
            return normalise_sequence(value, alphabet, source, row, field_name)
        text = str(value).strip().upper()
        if self.name == "map":
            swapped = text.translate(_map_table(alphabet))
            if swapped != text and all(c in alphabet for c in swapped):
                self.mapped += 1
            text = swapped
        try:
            return normalise_sequence(text, alphabet, source, row, field_name)
        except DataError:
            self.skipped.append(f"row {row}")
            return None

    def note(self, source: str) -> str | None:
        """One line for what was mapped and skipped, or None."""
        parts = []
        if self.mapped:
            parts.append(f"{self.mapped} record(s) with U/O/B/Z mapped to C/K/N/Q")
        if self.skipped:
            shown = ", ".join(self.skipped[:5]) + (" ..." if len(self.skipped) > 5 else "")
            parts.append(f"{len(self.skipped)} record(s) skipped, a residue outside the model's alphabet ({shown})")
        if not parts:
            return None
        return f"{source}: " + "; ".join(parts) + f" (--nonstandard {self.name}; see protsweep.saved.residues)"

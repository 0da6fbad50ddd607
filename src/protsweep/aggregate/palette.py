"""One style per variant, the same in every figure of a sweep: a colour from twelve that stay apart on white
(no light or grey tones), then, past twelve variants, the colours again with another line style; the baseline
is always thick black. Built once from the summary's variant order and handed to every plot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# twelve well-separated colours for lines on white (light tones and greys left out); see tests/aggregate
COLORS = (
    "#4363d8",  # blue
    "#e6194b",  # red
    "#3cb44b",  # green
    "#f58231",  # orange
    "#911eb4",  # purple
    "#42d4f4",  # cyan
    "#f032e6",  # magenta
    "#9a6324",  # brown
    "#469990",  # teal
    "#800000",  # maroon
    "#808000",  # olive
    "#000075",  # navy
)
LINE_STYLES = ("-", "--", ":", "-.")  # the n-th round through COLORS
BASELINE_STYLE: dict[str, Any] = {"color": "black", "ls": "-", "lw": 2.0}
LINE_WIDTH = 1.3


def variant_styles(labels: Iterable[str], baseline: str | None) -> dict[str, dict[str, Any]]:
    """Label -> matplotlib line keywords (``color``, ``ls``, ``lw``), in the order given (baseline excluded
    from the colour count, so adding a baseline never shifts the other variants' colours)."""
    styles: dict[str, dict[str, Any]] = {}
    i = 0
    for label in labels:
        if label in styles:
            continue
        if label == baseline:
            styles[label] = dict(BASELINE_STYLE)
            continue
        rnd, k = divmod(i, len(COLORS))
        styles[label] = {"color": COLORS[k], "ls": LINE_STYLES[rnd % len(LINE_STYLES)], "lw": LINE_WIDTH}
        i += 1
    return styles


def style_of(styles: dict[str, dict[str, Any]], label: str, baseline: str | None) -> dict[str, Any]:
    """The label's style; a label the summary did not list gets the next free one (never a reused colour)."""
    if label not in styles:
        styles.update(variant_styles([*styles, label], baseline))
    return styles[label]

"""The notes a paper table and a methods section share, in plain text: what the p column holds, the
degenerate (collapsed) routes left out of every claim, a random-init backbone, the dataset, and the software
(from the runs' run.json ``versions``, plus the statistics libraries of the environment that wrote the
report). ``routes.tex`` prints them under its table and ``methods.md`` after its paragraph, so both say the same."""

from __future__ import annotations

from importlib import metadata

from .conclusion import degenerate_routes
from .report import Report
from .result import RANDOM_INIT

# the libraries the report itself computes with (metrics, bootstrap, tests), named with their versions
REPORT_PACKAGES = ("scikit-learn", "scipy", "statsmodels", "numpy")
# run.json ``versions`` key -> the name a reader knows (packages not listed keep their key)
PACKAGE_NAMES = {"tensorflow": "TensorFlow", "tf_keras": "tf-keras", "protein_bert": "protein-bert",
                 "torch": "PyTorch", "esm": "esm", "python": "Python", "protsweep": "protsweep"}


def p_column_note(margin_auc: float) -> str:
    return (
        "p: Holm-adjusted p of the two-sided test of ΔAUC = 0; for rows marked † (equivalent), the "
        f"Holm-adjusted TOST p that places ΔAUC within ±{margin_auc:g}, which backs that verdict."
    )


def degenerate_note(rep: Report) -> str | None:
    """The routes with a degenerate (constant-prediction) run in either arm: shown, never counted."""
    if rep.routes.empty:
        return None
    bad = degenerate_routes(rep.routes)
    if bad.empty:
        return "No run produced constant (degenerate) predictions."
    return (
        f"{len(bad)} route(s) had a degenerate run (constant predictions) in either arm and are evidence of "
        f"nothing; they are shown but not counted in any claim: {', '.join(map(str, bad['route']))}."
    )


def init_note(rep: Report) -> str:
    """Backbone initialisation and the pretrained weights, per sweep; a random init said plainly."""
    parts = []
    for name, res in rep.sweeps:
        prov = res.provenance
        if prov is None:
            parts.append(f"{name}: backbone initialisation not recorded")
            continue
        what = prov.line()  # init, data set and source file names: no path
        if RANDOM_INIT in prov.inits:
            what += " (random init: no pretrained weights were loaded"
            what += f" in {' + '.join(prov.inits)} runs)" if len(prov.inits) > 1 else ")"
        if prov.weights:
            what += f" (weights: {', '.join(prov.weights)})"
        parts.append(f"{name}: {what}")
    return "Backbone: " + "; ".join(parts) + "." if parts else "Backbone: no sweep aggregated."


def software_note(rep: Report) -> str:
    """Versions of what trained the models (from run.json) and of what computed the statistics (here)."""
    trained: dict[str, set[str]] = {}
    for _, res in rep.sweeps:
        for package, version in res.provenance.versions if res.provenance is not None else ():
            trained.setdefault(package, set()).add(version)
    runs = ", ".join(f"{PACKAGE_NAMES.get(p, p)} {' / '.join(sorted(v))}" for p, v in sorted(trained.items()))
    here = ", ".join(f"{p} {_installed(p)}" for p in REPORT_PACKAGES)
    return f"Software: training runs used {runs or 'versions not recorded'}; statistics computed with {here}."


def _installed(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def paper_notes(rep: Report) -> list[str]:
    """Every note, in the order a table's notes print them."""
    notes = [p_column_note(rep.margin_auc), degenerate_note(rep), init_note(rep), software_note(rep)]
    return [n for n in notes if n]


def methods_notes(rep: Report) -> list[str]:
    """The notes a methods section needs (the p-column note is the table's own)."""
    return [n for n in (degenerate_note(rep), init_note(rep), software_note(rep)) if n]

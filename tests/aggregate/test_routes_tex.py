"""issue 25: routes.tex compiles in a plain article with only the packages its first line names, fits the
text width, shows the TOST p on equivalent rows, and names degenerate routes, the init and the software."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from protsweep.aggregate.formatting import fmt_p
from protsweep.aggregate.paper import methods_paragraph
from protsweep.aggregate.report import build_report
from protsweep.aggregate.routes_tex import routes_latex

from .runrecords import BASE_CONFIG, HEADS, make_head_sweep, synthetic_labels, write_run


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("routes_tex")
    gain = make_head_sweep(root / "gain", effects={"default": 1.6, "two_layer": 2.4})
    same = make_head_sweep(root / "same", effects={"default": 1.6, "wide": 1.6}, n=20000)
    return build_report([gain, same], n_boot=200)


def _declared_packages(tex: str) -> list[str]:
    found = re.match(r"% .*\\usepackage\{([^}]*)\}", tex)
    assert found, tex.splitlines()[0]
    return found.group(1).split(",")


def test_equivalent_rows_show_the_tost_p(report) -> None:
    tex = routes_latex(report)
    routes = report.routes.set_index("variant")
    assert routes.loc["head=wide", "verdict"] == "equivalent" and routes.loc["head=two_layer", "verdict"] == "better"
    wide = next(line for line in tex.splitlines() if "wide}" in line)
    tost = fmt_p(routes.loc["head=wide", "p_tost_auc_holm"])
    assert wide.rstrip(" \\").endswith(tost + r"$^{\dagger}$")
    assert fmt_p(routes.loc["head=wide", "p_delta_auc_holm"]) != tost  # the difference test's p is not shown
    assert "TOST" in tex and "degenerate" in tex and "statistics computed with scikit-learn" in tex
    assert set(_declared_packages(tex)) == {"booktabs", "graphicx"}
    assert "/" not in tex  # no path of any kind


def _latex_with(package: str) -> bool:
    """pdflatex and ``package``.sty are installed (Debian: texlive-latex-base, texlive-latex-recommended)."""
    if shutil.which("pdflatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", f"{package}.sty"], capture_output=True, text=True, timeout=60)
    return bool(found.stdout.strip())


@pytest.mark.skipif(not _latex_with("booktabs"), reason="pdflatex or booktabs not installed")
def test_routes_tex_compiles_in_a_plain_article_and_fits(report, tmp_path: Path) -> None:
    tex = routes_latex(report)
    (tmp_path / "routes.tex").write_text(tex, encoding="utf-8")
    packages = ",".join(_declared_packages(tex))
    (tmp_path / "doc.tex").write_text(
        f"\\documentclass{{article}}\\usepackage{{{packages}}}\\begin{{document}}\\input{{routes.tex}}"
        "\\end{document}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert proc.returncode == 0, log[-2000:]
    assert "Undefined control sequence" not in log and "Overfull \\hbox" not in log
    assert (tmp_path / "doc.pdf").is_file()


def test_methods_and_table_notes_name_degenerate_routes_random_init_and_versions(tmp_path: Path) -> None:
    """issue 25 points 7 and 10: the versions from run.json, the weights or "random init", the degenerate
    route, in methods.md and in routes.tex's notes alike."""
    versions = {"python": "3.11.7", "tensorflow": "2.21.0", "tf_keras": "2.21.0", "protsweep": "0.1.0"}
    info = {"pretrained": "random (auto: dump not found at /secret/x.pkl)", "versions": versions}
    sweep = make_head_sweep(tmp_path, effects={"default": 1.6}, seeds=[0, 1, 2], info_extra=info)
    y = synthetic_labels(300)
    cfg = json.loads(json.dumps(BASE_CONFIG)) | {"head": HEADS["wide"]}
    for s in (0, 1, 2):  # every seed of head=wide predicts a constant
        write_run(sweep, ["sweep=head", "head=wide", f"seed={s}"], seed=s, test_probs=np.full(y.size, 0.257),
                  test_labels=y, config=cfg, info_extra=info)
    rep = build_report([sweep], n_boot=100)
    methods, tex = methods_paragraph(rep), routes_latex(rep)
    for text in (methods, tex.replace(r"\_", "_")):
        assert "TensorFlow 2.21.0" in text and "tf-keras 2.21.0" in text and "protsweep 0.1.0" in text
        assert f"scikit-learn {metadata.version('scikit-learn')}" in text
        assert "random init" in text and "/secret" not in text
        assert "1 route(s) had a degenerate run" in text and "head=wide" in text.split("degenerate run")[1]


def test_loaded_weights_are_named_by_file_name_only(tmp_path: Path) -> None:
    info = {"pretrained": "loaded /data/weights/epoch_92400_sample_23500000.pkl"}
    sweep = make_head_sweep(tmp_path, seeds=[0, 1], info_extra=info)
    methods = methods_paragraph(build_report([sweep], n_boot=100))
    assert "pretrained backbone" in methods and "(weights: epoch_92400_sample_23500000.pkl)" in methods
    assert "/data/weights" not in methods and "random init" not in methods

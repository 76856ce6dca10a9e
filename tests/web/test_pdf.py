"""The report as a PDF (WeasyPrint, the [pdf] extra): A4, one page for each bundled example (the source
article's pack; two at most with the published scales beside it), the source line and the non-diagnostic
notice on every page; rendered to PNG with pdftoppm and kept in
tests/artifacts/ to be looked at."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cryoelig import render
from cryoelig.rulepack.load import load_pack
from cryoelig.wording import directive_words, own_words

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
#: Examples that fill in a published scale (its section is longer).
NOTICE = "Non-diagnostic decision support for health-care professionals."
needs_poppler = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdfinfo")),
                                   reason="poppler-utils is not installed")


def weasyprint_or_skip() -> None:
    pytest.importorskip("weasyprint", exc_type=ImportError)


def pdf_of(path: Path, why_not: bool = False, pack_dirs: list[Path] | None = None) -> bytes:
    from cryoelig.facade import review
    from cryoelig.inputs import read_case

    pack = load_pack(pack_dirs)
    report = review(read_case(str(path), pack), pack).report
    labels = {name: spec.label for name, spec in pack.fields.items()}
    return render.get("printable", "pdf").render(report, labels=labels, why_not=why_not)


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@needs_poppler
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_is_one_a4_page_with_the_notice_and_the_source(example, tmp_path):
    """One A4 page with the source article's pack (--pack rules); with the default set (the headline and the
    published scales beside it) at most two, each page with the running header and footer."""
    weasyprint_or_skip()
    pdf = tmp_path / f"{example.stem}.pdf"
    pdf.write_bytes(pdf_of(example, pack_dirs=[ROOT / "rules"]))
    details = info(pdf)
    assert details["Pages"].strip() == "1"
    assert "(A4)" in details["Page size"]
    text = page_text(pdf, 1)
    assert NOTICE in text and "Source:" in text and "Cryosurgery in Metastatic Bone Tumors" in text
    assert not directive_words(text), directive_words(text)  # hard line 1 on the printed words too
    both = tmp_path / f"{example.stem}-with-scales.pdf"
    both.write_bytes(pdf_of(example))
    pages = int(info(both)["Pages"])
    assert pages <= 2
    for page in range(1, pages + 1):
        text = page_text(both, page)
        assert text.startswith("Source:") and NOTICE in text and f"page {page} of {pages}" in text, page
        # a marked quotation (the SIR 2019 title, a scale's published wording) is the paper's words
        assert not directive_words(own_words(text)), directive_words(own_words(text))


@needs_poppler
def test_every_page_of_a_longer_report_carries_the_notice_and_the_source(tmp_path, artifacts):
    weasyprint_or_skip()
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(pdf_of(ROOT / "examples" / "bone-repeat.yaml", why_not=True))
    pages = int(info(pdf)["Pages"])
    assert pages >= 2  # the rules that did not apply make it longer than a page
    for page in range(1, pages + 1):
        text = page_text(pdf, page)
        assert text.startswith("Source:"), page  # the running header
        assert NOTICE in text and f"page {page} of {pages}" in text, page  # the running footer
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "2", "-singlefile", str(pdf),
                        str(artifacts / "report-long-page-2")], check=True)


@needs_poppler
def test_report_out_pdf_from_the_cli(tmp_path, artifacts):
    weasyprint_or_skip()
    out = tmp_path / "kidney.pdf"
    done = subprocess.run([sys.executable, "-m", "cryoelig", "report", "examples/kidney-small.yaml", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr and "(pdf," in done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert page_text(out, 1).count(NOTICE) == 2  # in the page and in its running footer
    shutil.copy(out, artifacts / "kidney-small.pdf")
    if shutil.which("pdftoppm"):
        png = artifacts / "kidney-small-pdf"
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(out), str(png)], check=True)
        assert Path(f"{png}.png").read_bytes().startswith(b"\x89PNG")
    to_stdout = subprocess.run([sys.executable, "-m", "cryoelig", "report", "examples/kidney-small.yaml", "--format",
                                "pdf"], cwd=ROOT, capture_output=True, check=False)
    assert to_stdout.returncode == 0 and to_stdout.stdout.startswith(b"%PDF-")


def test_without_weasyprint_the_pdf_is_one_line_naming_the_extra(tmp_path):
    out = str(tmp_path / "x.pdf")
    code = ("import sys; sys.modules['weasyprint'] = None; sys.argv = ['cryoelig', 'report', "
            f"'examples/kidney-small.yaml', '--out', {out!r}]; from cryoelig.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == ("cryoelig: error: a PDF needs the optional pdf extra (WeasyPrint): "
                                   "pip install 'cryoelig[pdf]'")
    assert not (tmp_path / "x.pdf").exists()


def test_css_strings_cannot_break_out_of_the_page_stylesheet():
    from cryoelig.render.pdf import css_string

    assert css_string('a"b\\c\n}') == '"a\\"b\\\\c }"'
    assert not re.search(r'(?<!\\)"', css_string('x"; } @page { content: "y')[1:-1])

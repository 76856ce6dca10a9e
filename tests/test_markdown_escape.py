"""The one Markdown escaper (render/common.md), checked by GitHub's own renderer (cmark-gfm): case and pack
text shows as written wherever a report or a CDS Hooks card puts it, never as markup."""

from __future__ import annotations

import html
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryoelig.render.common import md

cmarkgfm = pytest.importorskip("cmarkgfm")
from cmarkgfm.cmark import Options  # noqa: E402

# No "w", ":" or "@": GFM's extended autolinks (www., http://, a@b.c) show the text as written, only linked.
ALPHABET = "ab1 " + "".join(c for c in string.punctuation if c not in ":@") + "\u00e9"
TEXT = st.text(ALPHABET, min_size=1, max_size=40).map(str.strip).filter(bool)


def rendered(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def shown(text: str) -> str:
    return html.escape(text, quote=False).replace('"', "&quot;")


@pytest.mark.parametrize("text", [
    "# heading", "> quote", "- item", "+ item", "1. item", "2) item", "---", "===", "~struck~", "~~struck~~",
    "*em* _em_", "`code`", "[link](x)", "![image](x)", "<b>html</b>", "a | b", "&amp; &#35; &#x23;", "\\",
    "```", "~~~", "[ref]: x",
])
def test_markup_shows_as_written(text: str) -> None:
    assert rendered(md(text)) == f"<p>{shown(text)}</p>\n"


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_shows_as_written_in_every_place_a_view_puts_it(text: str) -> None:
    assert rendered(md(text)) == f"<p>{shown(text)}</p>\n"  # a line of its own (a card's point, a description)
    assert rendered(f"x {md(text)} y") == f"<p>x {shown(text)} y</p>\n"  # within a line
    assert rendered(f"- **{md(text)}**") == f"<ul>\n<li><strong>{shown(text)}</strong></li>\n</ul>\n"
    table = rendered(f"| a |\n|---|\n| {md(text)} |")
    assert f"<td>{shown(text)}</td>" in table and table.count("<td>") == 1  # a table cell


def test_text_without_markup_is_left_as_it_is() -> None:
    """Golden outputs hold: ordinary wording, values and numbers pass unchanged."""
    for text in ("Tumor size under 4 cm", "-1", "3.5 cm", "+1", "R&D", "a = b", "2024 study", "1.5"):
        assert md(text) == text

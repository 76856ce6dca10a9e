"""Horizontal bar charts as SVG text, drawn by matplotlib, byte for byte the same for the same input.

Why these settings (every one is needed for identical bytes on every run and machine):
- ``svg.fonttype = "path"``: each glyph is written as an outline, so a figure looks the same in
  every browser, print and PDF whatever fonts the reader has; with ``"none"`` the browser would
  substitute its own font and the labels, laid out with DejaVu's metrics, could overlap or be
  cut. The cost (text in the figure is not selectable) is paid back by the table of exact
  numbers every figure has beside it, which is also what a screen reader reads.
- ``font.family = "DejaVu Sans"``: the font matplotlib ships inside its own package (found
  before any system copy), so the outlines depend on the matplotlib version only.
- ``svg.hashsalt``: the ids of clip paths are hashes; a fixed salt makes them stable.
- ``metadata={"Date": None}``: no creation date in the file.
- ``text.parse_math = False``: a ``$`` in a factor id or field name is drawn as written, never
  parsed as TeX.
Matplotlib is an optional dependency (the ``figures`` extra): it is imported only when a
figure is drawn, and its absence is one readable error (:class:`FiguresUnavailable`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from ..errors import CryoeligError
from .kinds import KIND_COLOURS, KIND_HATCHES, KIND_ORDER, OTHER_COLOUR, kind_word

INSTALL_HINT = "pip install 'cryoelig[figures]'"
MAX_BARS = 30  # more categories than this: the largest are drawn, the table lists every one
MAX_LABEL = 44  # characters of a category label drawn in a figure (the table shows it whole)
FONT = "DejaVu Sans"
FONTTYPE = "path"
HASHSALT = "cryoelig"
WIDTH_IN = 6.4
INK, MUTED, GRID = "#1b1f23", "#57606a", "#d0d7de"


class FiguresUnavailable(CryoeligError):
    """matplotlib is not installed: the figures cannot be drawn."""

    def __init__(self) -> None:
        super().__init__(f"drawing the summary figures needs matplotlib, which is not installed: {INSTALL_HINT}")


def require_matplotlib() -> None:
    """Raise FiguresUnavailable before any work is done when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise FiguresUnavailable() from None


@dataclass(frozen=True)
class Bar:
    label: str  # the category (site, factor id, field name, error reason)
    value: float  # the drawn length, in the unit of the axis
    note: str  # the number written at the end of the bar
    kind: str | None = None  # supporting / caution / context: colour and hatch; None: the neutral colour


@dataclass(frozen=True)
class Chart:
    title: str
    axis: str  # the x axis label with its unit, e.g. "share of cases (%)"
    bars: list[Bar]
    limit: float | None = None  # a fixed end of the axis (100 for shares); None: from the data
    legend: bool = False  # a legend of the kinds shown


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def draw_svg(chart: Chart) -> str:
    """The chart as a complete SVG document (deterministic bytes for the same chart)."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise FiguresUnavailable() from None

    bars = chart.bars[:MAX_BARS]
    title = chart.title
    if len(chart.bars) > MAX_BARS:
        title += f"\n(the {MAX_BARS} largest of {len(chart.bars)} drawn; the table lists all)"
    rc = {
        "svg.fonttype": FONTTYPE, "svg.hashsalt": HASHSALT, "font.family": FONT, "font.size": 9,
        "text.parse_math": False, "text.usetex": False, "axes.unicode_minus": True,
        "hatch.linewidth": 0.8, "hatch.color": "#ffffff", "axes.edgecolor": MUTED, "axes.labelcolor": INK,
        "xtick.color": MUTED, "ytick.color": INK, "text.color": INK,
    }
    with matplotlib.rc_context(rc):
        height = 1.25 + 0.27 * max(len(bars), 1) + (0.3 if chart.legend else 0) + (0.2 if "\n" in title else 0)
        fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
        ax = fig.add_subplot()
        positions = list(range(len(bars)))
        values = [b.value for b in bars]
        colours = [KIND_COLOURS.get(b.kind, OTHER_COLOUR) if b.kind else "#6e7781" for b in bars]
        hatches = [KIND_HATCHES.get(b.kind, "") if b.kind else "" for b in bars]
        drawn = ax.barh(positions, values, height=0.7, color=colours, edgecolor=colours, linewidth=0.5)
        for patch, hatch in zip(drawn.patches, hatches, strict=True):
            patch.set_hatch(hatch)
        ax.set_yticks(positions, [_short(b.label) for b in bars])
        ax.invert_yaxis()  # the first category at the top
        top = chart.limit if chart.limit is not None else max([*values, 1]) * 1.18
        ax.set_xlim(0, top)  # zero-based: a bar's length is proportional to its number
        if chart.limit is None:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(chart.axis)
        # At the figure's left edge, not the axes': long category labels must not push it off the figure.
        fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for y, bar, colour in zip(positions, bars, colours, strict=True):
            inside = bar.value > 0.78 * top  # a long bar carries its number inside, on a plain patch
            ax.text(bar.value - 0.015 * top if inside else bar.value + 0.01 * top, y, bar.note, va="center",
                    ha="right" if inside else "left", fontsize=8, color="#ffffff" if inside else INK,
                    fontweight="bold" if inside else "normal",
                    bbox={"facecolor": colour, "edgecolor": "none", "pad": 1.2} if inside else None)
        if chart.legend:
            shown = [k for k in KIND_ORDER if any(b.kind == k for b in bars)]
            handles = [Patch(facecolor=KIND_COLOURS[k], edgecolor=KIND_COLOURS[k], hatch=KIND_HATCHES[k],
                             label=kind_word(k)) for k in shown]
            if handles:
                fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False,
                           fontsize=8.5)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->|<metadata>.*?</metadata>", re.S)
_GLYPH = re.compile(r'<path id="(DejaVuSans[-A-Za-z]*-[0-9a-f]+)"[^>]*/>\s*')


def inline_svg(svg: str, prefix: str, label_id: str | None = None, glyphs: dict[str, str] | None = None) -> str:
    """An SVG document made fit to sit inside an HTML page next to other SVGs.

    The XML prolog, comments (matplotlib repeats every text there) and metadata go; every id,
    and every reference to one, gets ``prefix`` so two figures on one page never share an id;
    the root says it is an image labelled by the element ``label_id`` (the figure's caption).
    With ``glyphs`` (shared by the figures of one page), each glyph outline is moved out of the
    figure into that dict, to be written once for the page (:func:`glyph_defs`): the outlines
    are the same in every figure and are about half of each figure's bytes.
    """
    body = _PROLOG.sub("", svg).strip()
    shared: set[str] = set()
    if glyphs is not None:
        def move(match: re.Match[str]) -> str:
            name, element = match.group(1), match.group(0).strip()
            if glyphs.setdefault(name, element) != element:  # pragma: no cover - one font, one outline
                return match.group(0)
            shared.add(name)
            return ""

        body = _GLYPH.sub(move, body)
        body = re.sub(r"<defs>\s*</defs>\s*", "", body)

    def local(name: str) -> str:
        return name if name in shared else prefix + name

    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{local(m.group(1))}"', body)
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{local(m.group(1))}"', body)
    body = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{local(m.group(1))})", body)
    role = f' role="img" aria-labelledby="{label_id}"' if label_id else ' role="img"'
    body = re.sub(r"<svg\b", "<svg" + role, body, count=1)
    return "\n".join(line.rstrip() for line in body.splitlines()) + "\n"


def glyph_defs(glyphs: dict[str, str]) -> str:
    """One hidden SVG that defines the glyph outlines the page's figures use (see inline_svg)."""
    if not glyphs:
        return ""
    inner = "\n".join(line.rstrip() for element in glyphs.values() for line in element.splitlines())
    return ('<svg class="glyphs" aria-hidden="true" width="0" height="0" xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink"><defs>\n{inner}\n</defs></svg>\n')

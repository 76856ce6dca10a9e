"""The rule graph as a picture: the DOT text `rules graph --format dot` prints, coloured by kind
and drawn by Graphviz's ``dot`` (the system package ``graphviz``).

Why Graphviz and this DOT: the graph is already written as DOT by ``catalog.to_dot`` (one
source for the text and the picture), and ``dot`` is the field's own layout engine for
layered graphs (fields and derived facts -> rules -> factors, left to right). This module
only adds colour: case fields grey, derived facts purple, each rule outlined and each factor
filled in the colour of its kind (the words and colours of kinds.py, as on the summary
page). ``dot`` lays a graph out the same way every time, so the same pack gives the same
bytes. ``svg`` and ``png`` are formats of the ``graph`` view in the format registry
(``cryoelig.render``), so ``rules graph --out pack.svg`` chooses them by suffix like every view;
the educator's web pages take the SVG from :func:`rule_graph_svg`.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from ..errors import CryoeligError
from .kinds import KIND_COLOURS, KIND_TINTS, OTHER_COLOUR, kind_word

DRAWN = ("svg", "png")  # the formats Graphviz draws; dot and mermaid are text the project writes
DOT_TIMEOUT = 120  # seconds; a pack of a few hundred rules is laid out in well under one
INSTALL_HINT = ("install the system package graphviz (for example: apt-get install graphviz), "
                "or write the graph as .dot or .mmd text")
FIELD = ("#eaeef2", "#57606a")  # fill, outline
DERIVED = ("#f2e6ff", "#8250df")


class GraphvizUnavailable(CryoeligError):
    """Graphviz's ``dot`` is not on the PATH: the picture cannot be drawn."""

    def __init__(self) -> None:
        super().__init__(f"drawing the rule graph as a picture needs Graphviz's dot, which is not found: "
                         f"{INSTALL_HINT}")


class GraphvizFailed(CryoeligError):
    """``dot`` ran but did not draw the graph."""


def _q(*lines: str) -> str:
    """A DOT quoted string (the quoting catalog.to_dot uses); several lines are joined by DOT's
    own line break (a centred \\n), never by a raw newline."""
    return '"' + "\\n".join(t.replace("\\", "\\\\").replace('"', '\\"') for t in lines) + '"'


def styled_dot(graph: Any, pack: Any) -> str:
    """The DOT text of ``rules graph --format dot`` for a fact graph, with colours by kind added."""
    from .graph import to_dot

    lines = to_dot(graph, pack).rstrip("\n").split("\n")
    assert lines[0].startswith("digraph") and lines[-1] == "}", "to_dot writes one digraph"
    head = ['  graph [fontname="Helvetica", fontsize=11, bgcolor="white", nodesep=0.15, ranksep=0.6];',
            '  edge [color="#8c959f", arrowsize=0.6];']
    style = []
    for name in graph.fields:
        style.append(f'  {_q("field:" + name)} [style=filled, fillcolor="{FIELD[0]}", color="{FIELD[1]}"];')
    for name in graph.derived:
        style.append(f'  {_q("derived:" + name)} [style=filled, fillcolor="{DERIVED[0]}", color="{DERIVED[1]}"];')
    for rule in graph.rules:
        colour = DERIVED[1] if rule.kind == "derived" else KIND_COLOURS.get(rule.kind, OTHER_COLOUR)
        style.append(f'  {_q("rule:" + rule.id)} [style="rounded", color="{colour}", penwidth=1.6];')
    for factor in graph.factors:
        spec = pack.factor_by_id.get(factor)
        kind = spec.kind if spec is not None else ""
        label = _q(factor, f"({kind_word(kind)})") if kind else _q(factor)
        style.append(f'  {_q("factor:" + factor)} [label={label}, style=filled, '
                     f'fillcolor="{KIND_TINTS.get(kind, "#ffffff")}", color="{KIND_COLOURS.get(kind, OTHER_COLOUR)}", '
                     "penwidth=1.6];")
    return "\n".join([lines[0], *head, *lines[1:-1], *style, "}"]) + "\n"


def draw(dot_text: str, fmt: str) -> bytes:
    """Graphviz's drawing of a DOT text: 'svg' or 'png' bytes."""
    if fmt not in DRAWN:
        raise ValueError(f"Graphviz draws {', '.join(DRAWN)}, not {fmt}")
    program = shutil.which("dot")
    if program is None:
        raise GraphvizUnavailable()
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise GraphvizUnavailable() from None
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(f"Graphviz's dot did not finish within {DOT_TIMEOUT} s") from None
    if done.returncode != 0 or not done.stdout:
        first = next((line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()), "")
        shown = "".join(ch for ch in first if ch.isprintable())[:200]
        raise GraphvizFailed(f"Graphviz's dot could not draw the graph (exit {done.returncode})"
                             + (f": {shown}" if shown else ""))
    return done.stdout


def to_svg(graph: Any, pack: Any, **_: object) -> str:
    """The ``graph`` view's ``svg`` format: the fact graph drawn by Graphviz."""
    return draw(styled_dot(graph, pack), "svg").decode("utf-8")


def to_png(graph: Any, pack: Any, **_: object) -> bytes:
    """The ``graph`` view's ``png`` format (bytes: the one binary format of the registry)."""
    return draw(styled_dot(graph, pack), "png")


def rule_graph_svg(pack: Any, rules: list[Any] | None = None) -> str:
    """The rule graph of a pack (or of some of its rules) as an SVG document, for pages to show."""
    from ..views.catalog import fact_graph

    return to_svg(fact_graph(pack, rules), pack)

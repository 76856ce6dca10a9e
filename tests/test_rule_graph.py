"""The rule graph as a picture: the project's own DOT, coloured by kind, drawn by Graphviz."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cryoelig import render
from cryoelig.render.graph import to_dot, to_mermaid
from cryoelig.render.kinds import KIND_COLOURS, KIND_TINTS, kind_word
from cryoelig.render.rule_graph import FIELD, rule_graph_svg, styled_dot
from cryoelig.views.catalog import fact_graph, rules_for_site

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed (.ci/run installs it)")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", "from cryoelig.cli import main; main()", *args],
                          capture_output=True, timeout=120, env=env)


def test_styled_dot_is_the_projects_dot_plus_colour(pack) -> None:  # noqa: ANN001
    graph = fact_graph(pack)
    plain = to_dot(graph, pack).splitlines()
    styled = styled_dot(graph, pack).splitlines()
    assert [line for line in styled if line in plain] == plain  # every line of to_dot, in order
    for name in graph.fields:
        assert f'  "field:{name}" [style=filled, fillcolor="{FIELD[0]}", color="{FIELD[1]}"];' in styled
    for factor in graph.factors:
        kind = pack.factor_by_id[factor].kind
        assert (f'  "factor:{factor}" [label="{factor}\\n({kind_word(kind)})", style=filled, '
                f'fillcolor="{KIND_TINTS[kind]}", color="{KIND_COLOURS[kind]}", penwidth=1.6];') in styled


@needs_dot
def test_svg_nodes_are_coloured_by_kind(pack) -> None:  # noqa: ANN001
    svg = rule_graph_svg(pack)
    nodes = {html.unescape(title): fill for title, fill in
             re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]+)</title>\s*<\w+ fill="([^"]+)"', svg)}
    graph = fact_graph(pack)
    assert len(nodes) == len(graph.fields) + len(graph.derived) + len(graph.rules) + len(graph.factors)
    for factor in graph.factors:
        assert nodes[f"factor:{factor}"] == KIND_TINTS[pack.factor_by_id[factor].kind], factor
    for name in graph.fields:
        assert nodes[f"field:{name}"] == FIELD[0]
    for rule in pack.rules:
        assert f"rule:{rule.id}" in nodes


@needs_dot
def test_graph_picture_is_deterministic(pack, tmp_path: Path) -> None:  # noqa: ANN001
    assert rule_graph_svg(pack) == rule_graph_svg(pack)
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"g{n}.svg"
        env = {**os.environ, "PYTHONHASHSEED": str(n)}
        done = cli("rules", "graph", "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == rule_graph_svg(pack).encode()


def test_svg_and_png_are_graph_formats_of_the_registry() -> None:
    assert render.names("graph") == ["mermaid", "dot", "svg", "png"]
    assert render.for_suffix("graph", Path("g.SVG")).name == "svg"
    assert render.for_suffix("graph", Path("g.png")).media_type == "image/png"
    assert render.choose("graph", None, Path("g.svg"), default="mermaid").name == "svg"
    assert render.choose("graph", None, None, default="mermaid").name == "mermaid"


@needs_dot
@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot", ".mmd"])
def test_out_format_follows_the_suffix(pack, tmp_path: Path, suffix: str) -> None:  # noqa: ANN001
    out = tmp_path / f"graph{suffix}"
    done = cli("rules", "graph", "--site", "kidney", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    data = out.read_bytes()
    graph = fact_graph(pack, rules_for_site(pack, "kidney"))
    if suffix == ".svg":
        text = html.unescape(data.decode())
        assert "<svg" in text and ">kidney.size-under-4cm<" in text and "bone.pain" not in text
        assert data == cli("rules", "graph", "--site", "kidney", "--format", "svg").stdout
    elif suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert data == cli("rules", "graph", "--site", "kidney", "--format", "png").stdout  # a pipe: bytes
    elif suffix == ".dot":
        assert data.decode() == to_dot(graph, pack)
        assert data == cli("rules", "graph", "--site", "kidney", "--format", "dot").stdout
    else:
        assert data.decode() == to_mermaid(graph, pack)
        assert data == cli("rules", "graph", "--site", "kidney").stdout  # what the command prints


def test_out_replaces_a_regular_file_only(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "g.mmd")
    fifo = cli("rules", "graph", "--out", str(tmp_path / "g.mmd"))
    assert fifo.returncode == 2 and b"is not a regular file" in fifo.stderr
    (tmp_path / "h.mmd").write_text("old")
    done = cli("rules", "graph", "--out", str(tmp_path / "h.mmd"))
    assert done.returncode == 0 and (tmp_path / "h.mmd").read_text().startswith("flowchart LR")


def test_without_dot_a_picture_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no dot on this PATH
    done = cli("rules", "graph", "--out", str(tmp_path / "g.svg"), env=env)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "cryoelig: error: drawing the rule graph as a picture needs Graphviz's dot, which is not found: install the "
        "system package graphviz (for example: apt-get install graphviz), or write the graph as .dot or .mmd text"]
    assert not (tmp_path / "g.svg").exists()
    text = cli("rules", "graph", "--out", str(tmp_path / "g.dot"), env=env)  # text formats need no Graphviz
    assert text.returncode == 0, text.stderr


def test_unknown_suffix_and_clashing_format_are_one_line_exit_2(tmp_path: Path) -> None:
    done = cli("rules", "graph", "--out", str(tmp_path / "g.jpg"))
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        f"cryoelig: error: {tmp_path / 'g.jpg'}: cannot tell the format from the suffix '.jpg'; use .mmd or .dot or "
        ".svg or .png, or give --format mermaid|dot|svg|png"]
    clash = cli("rules", "graph", "--format", "mermaid", "--out", str(tmp_path / "g.dot"))
    assert clash.returncode == 2
    assert b"the suffix says dot but --format says mermaid" in clash.stderr
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_a_failing_dot_is_one_error() -> None:
    from cryoelig.render import rule_graph

    with pytest.raises(rule_graph.GraphvizFailed, match=r"^Graphviz's dot could not draw the graph \(exit 1\): "):
        rule_graph.draw("digraph { this is not dot", "svg")


@needs_dot
def test_png_to_a_terminal_is_refused_in_one_line(tmp_path: Path) -> None:
    import pexpect

    args = ["-c", "from cryoelig.cli import main; main()", "rules", "graph", "-f", "png"]
    child = pexpect.spawn(sys.executable, args, cwd=str(tmp_path), encoding="utf-8", timeout=120)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert child.before.strip() == ("cryoelig: error: png is binary and standard output is a terminal: give "
                                    "--out graph.png")

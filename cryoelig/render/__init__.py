"""Presentation: one registry of output formats, each turning a view's object into text.

Why a registry: `check`, `checklist`, `explain`, `report` and the `rules` views (and later the
batch CSV line and the service) choose their formats from one table instead of a switch each.
Modelled on datasette's output-renderer registry (``register_output_renderer``: a name, a file
extension, a render callback): each format has a view it renders, a name (``--format``), the
file suffixes that select it (``--out``), a media type (for a service) and the function that
renders it, named as ``module:function`` and imported on first use, so that listing the formats
(e.g. for ``--help``) imports neither rich nor pydantic.

A render function takes the view's object and keyword options and returns the text (bytes for
the binary formats: the rule graph as ``png``, the printable report as ``pdf``). Views: ``report``
(a Report: check, checklist), ``printable`` (a Report as a page: report; ``pdf`` laid out by
WeasyPrint), ``explanation`` (a CaseExplanation: explain), ``rules`` (a RuleListing: rules list),
``rule`` (a Rule: rules show), ``graph`` (a Graph: rules graph; ``svg`` and ``png`` drawn by
Graphviz), ``catalog`` (a Pack: rules catalog).
The library never imports this package; renderers may use rich.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CryoeligError
from ..safetext import shown_file


class FormatError(CryoeligError):
    """A format that cannot be used: unknown, or at odds with the output file's suffix."""


@dataclass(frozen=True)
class OutputFormat:
    """One way to render one view."""

    view: str
    name: str
    suffixes: tuple[str, ...]
    media_type: str
    target: str  # "package.module:function"

    def render(self, obj: Any, **options: Any) -> str | bytes:
        module, _, function = self.target.partition(":")
        return getattr(importlib.import_module(module), function)(obj, **options)


_FORMATS: dict[str, dict[str, OutputFormat]] = {}


def register(view: str, name: str, suffixes: tuple[str, ...], media_type: str, target: str) -> OutputFormat:
    """Add a format to a view (a later registration of the same name replaces it)."""
    fmt = OutputFormat(view, name, suffixes, media_type, target)
    _FORMATS.setdefault(view, {})[name] = fmt
    return fmt


def names(view: str) -> list[str]:
    """The format names of a view, in registration order (the order ``--help`` lists them)."""
    return list(_FORMATS.get(view, {}))


def get(view: str, name: str) -> OutputFormat:
    try:
        return _FORMATS[view][name]
    except KeyError:
        raise FormatError(f"no format '{name}' for {view} (one of: {', '.join(names(view))})") from None


def printable(report: Any, pack: Any, name: str = "html", why_not: bool = False) -> str | bytes:
    """The printable page of a report (HTML, Markdown or PDF), with the pack's field labels: the one call behind
    ``cryoelig report``, the service's ``/api/v1/check?format=html`` and the checklist page's downloads, so
    the same case and pack give the same bytes whichever asks."""
    labels = {field: spec.label for field, spec in pack.fields.items()}
    return get("printable", name).render(report, labels=labels, why_not=why_not)


def for_suffix(view: str, path: Path) -> OutputFormat | None:
    """The format of a view that a file's suffix names, if any."""
    suffix = path.suffix.lower()
    return next((f for f in _FORMATS.get(view, {}).values() if suffix in f.suffixes), None)


def choose(view: str, name: str | None, out: Path | None, default: str) -> OutputFormat:
    """The format named by --format, else by the suffix of --out, else the default; a clash is an error."""
    by_suffix = for_suffix(view, out) if out is not None else None
    if out is not None and name is None and by_suffix is None:
        formats = _FORMATS[view].values()
        raise FormatError(f"{shown_file(str(out))}: cannot tell the format from the suffix '{out.suffix}'; use "
                          + " or ".join(f.suffixes[0] for f in formats if f.suffixes)
                          + f", or give --format {'|'.join(names(view))}")
    if name is not None and by_suffix is not None and name != by_suffix.name:
        raise FormatError(f"{shown_file(str(out))}: the suffix says {by_suffix.name} but --format says {name}; "
                          "make them agree")
    return get(view, name or (by_suffix.name if by_suffix else default))


_TERMINAL = "text/plain; charset=utf-8"
for _view, _name, _suffixes, _media, _target in (
    ("report", "rich", (), _TERMINAL, "terminal:render_report"),
    ("report", "json", (".json",), "application/json", "data:report_json"),
    ("report", "markdown", (".md", ".markdown"), "text/markdown", "markdown:to_markdown"),
    ("printable", "html", (".html", ".htm"), "text/html", "html:to_html"),
    ("printable", "markdown", (".md", ".markdown"), "text/markdown", "html:to_printable_markdown"),
    ("printable", "pdf", (".pdf",), "application/pdf", "pdf:to_pdf"),
    ("explanation", "rich", (), _TERMINAL, "explanation_tree:render_tree"),
    ("explanation", "json", (".json",), "application/json", "data:explanation_json"),
    ("explanation", "markdown", (".md", ".markdown"), "text/markdown", "explanation_tree:to_markdown"),
    ("rules", "rich", (), _TERMINAL, "rules:rules_table"),
    ("rules", "json", (".json",), "application/json", "rules:rules_json"),
    ("rules", "markdown", (".md", ".markdown"), "text/markdown", "rules:rules_markdown"),
    ("rule", "text", (".txt",), _TERMINAL, "rules:show_rule"),
    ("graph", "mermaid", (".mmd", ".mermaid"), "text/vnd.mermaid", "graph:to_mermaid"),
    ("graph", "dot", (".dot", ".gv"), "text/vnd.graphviz", "graph:to_dot"),
    ("graph", "svg", (".svg",), "image/svg+xml", "rule_graph:to_svg"),
    ("graph", "png", (".png",), "image/png", "rule_graph:to_png"),
    ("catalog", "markdown", (".md", ".markdown"), "text/markdown", "catalog_markdown:catalog_markdown"),
):
    register(_view, _name, _suffixes, _media, f"{__name__}.{_target}")

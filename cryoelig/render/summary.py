"""The batch summary as rich tables (cases per site, findings per factor and kind, missing
information, errors by reason). Presentation only: the numbers come from cryoelig.batch."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..report.projection import SourceInfo
from .common import BANDS_TITLE, MISSING_TITLE, SCALES_TITLE, band_rows, scale_rows, source_line
from .kinds import kind_word


def counts_line(summary: dict[str, Any]) -> str:
    c = summary["counts"]
    return f"{c['rows_read']} rows read: {c['results']} results, {c['errors']} errors"


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for i, h in enumerate(headers):
        table.add_column(h, justify="right" if i == len(headers) - 1 else "left")
    for row in rows:
        table.add_row(*(Text(str(v)) for v in row))
    return table


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    for key, source in summary.get("sources", {}).items():
        shown = {k: v for k, v in source.items() if k in ("publisher", "date", "description", "scope")}
        console.print(Text(source_line(SourceInfo(id=key, title=source.get("title") or "(not shown)", **shown))))
    c = summary["counts"]
    console.print(_table("Batch summary", ("", "count"),
                         [("rows read", c["rows_read"]), ("results", c["results"]), ("errors", c["errors"])]))
    if summary["sites"]:
        console.print(_table("Cases per site", ("site", "cases"), list(summary["sites"].items())))
    by_factor = summary["findings"]["by_factor"]
    if by_factor:
        rows = [(factor, kind_word(kind), n) for factor, kinds in by_factor.items() for kind, n in kinds.items()]
        console.print(_table("Points to discuss, per factor", ("factor", "kind", "findings"), rows))
        console.print(_table("Points to discuss, per kind", ("kind", "findings"),
                             [(kind_word(kind), n) for kind, n in summary["findings"]["by_kind"].items()]))
    print_scales(summary, console)
    if summary["missing"]:
        console.print(_table(MISSING_TITLE, ("field", "cases"), list(summary["missing"].items())))
    errors = summary["errors"]
    if errors["by_reason"]:
        console.print(_table("Errors by reason", ("reason", "rows"), list(errors["by_reason"].items())))
        console.print(_table("Errors by field", ("field", "rows"), list(errors["by_field"].items())))


def print_scales(summary: dict[str, Any], console: Console) -> None:
    rows = scale_rows(summary)
    if rows:
        console.print(_table(SCALES_TITLE, ("scale", "cases", "computed", "given", "no total"), rows))
    bands = band_rows(summary)
    if bands:
        console.print(_table(BANDS_TITLE, ("scale", "band", "cases"), bands))

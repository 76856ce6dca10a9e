"""Reading a summary page back the way a checker would: its tables as rows of cell texts, its
visible text, and the tags it uses."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class Tables(HTMLParser):
    """Every <table id=...>: its caption, header cells and body rows, as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict] = {}
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self._table: dict | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag == "table":
            table_id = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self._table = {"caption": "", "head": [], "rows": []}
            self.tables[table_id] = self._table
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._table["head"] or any(c for c in self._row):
                if not self._table["head"]:
                    self._table["head"] = self._row
                else:
                    self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption and self._table is not None:
            self._table["caption"] += data


def parse_tables(page: str) -> Tables:
    parser = Tables()
    parser.feed(page)
    return parser


def visible_text(page: str) -> str:
    """The words a reader sees: no style, no SVG drawing, no tags."""
    page = re.sub(r"<(style|script|head|svg)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def as_dict(table: dict, key: int = 0, value: int = 1) -> dict[str, int]:
    return {row[key]: int(row[value]) for row in table["rows"]}

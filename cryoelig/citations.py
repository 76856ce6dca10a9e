"""How a rule pack cites its sources: a stored text quoted verbatim, or a paper cited in full.

Why two forms: the source article is kept byte for byte beside the pack, so a rule quotes it and the
loader finds the quote in it. The papers behind the published scales cannot be copied, so their text
is not stored: such a source is cited in full (authors, title, journal or book, year, volume:pages,
DOI, PMID or ISBN) and a rule names the place in it (a locator: the table or section), never a quote
there would be nothing to check against.

Why at the top of the package, beside the foundation modules: the rules (``cryoelig.rulepack``) and the
published scales (``cryoelig.scales``, below the pack model that holds them) both cite, so the citation
model sits below both and imports nothing of cryoelig.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Cite(_Strict):
    """Where a rule (or a published scale) takes what it states from: a verbatim quote of a stored
    source text, or the place (table, section) in a source cited in full."""

    source: str
    quote: str | None = Field(None, min_length=3)
    locator: str | None = Field(None, min_length=3)

    @model_validator(mode="after")
    def _quote_or_locator(self) -> Cite:
        if (self.quote is None) == (self.locator is None):
            raise ValueError("give a quote (a stored source text) or a locator (a source cited in full)")
        return self


class CitationFields(_Strict):
    """A source cited in full, in the fields of a Vancouver-style reference. Every field is optional
    here; the pack loader says which ones each kind of source needs."""

    kind: Literal["journal-article", "book", "book-chapter"] | None = None
    authors: list[str] = []
    authors_are_editors: bool = False
    journal: str | None = None
    book: str | None = None
    editors: list[str] = []
    edition: str | None = None
    place: str | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = Field(None, pattern=r"^\d{1,9}$")
    isbn: str | None = Field(None, pattern=r"^97[89]-[\d-]{10,13}$")
    note: str | None = None


def short_reference(source: CitationFields) -> str:
    """Author-year, as texts name a paper: 'Mirels 1989', 'Kutikov and Uzzo 2009', 'Fisher et al. 2010'."""
    names = [a.split()[0] for a in source.authors if a != "et al."]
    if not names:
        return str(source.year or "")
    if len(names) == 1 and "et al." not in source.authors:
        return f"{names[0]} {source.year}"
    if len(names) == 2 and "et al." not in source.authors:
        return f"{names[0]} and {names[1]} {source.year}"
    return f"{names[0]} et al. {source.year}"


def full_reference(source: CitationFields, title: str, publisher: str | None) -> str:
    """The full reference in Vancouver style, as a report's sources list shows it."""
    authors = ", ".join(source.authors) + (", eds." if source.authors_are_editors else ".")
    if source.kind == "journal-article":
        where = f"{source.journal}. {source.year};{source.volume or ''}"
        where += f"({source.issue})" if source.issue else ""
        where += f":{source.pages}." if source.pages else "."
        ref = f"{authors} \u201c{title}\u201d. {where}"  # a title is the paper's words: a marked quotation
    elif source.kind == "book-chapter":
        ref = (f"{authors} \u201c{title}\u201d. In: {', '.join(source.editors)}, ed. {source.book}. {source.place}: "
               f"{publisher}; {source.year}:{source.pages}.")
    else:
        edition = f" {source.edition}" if source.edition else ""
        ref = f"{authors} {title}.{edition} {source.place}: {publisher}; {source.year}."
    if source.doi:
        ref += f" doi:{source.doi}."
    for label, value in (("PMID", source.pmid), ("ISBN", source.isbn)):
        if value:
            ref += f" {label}: {value}."
    return ref

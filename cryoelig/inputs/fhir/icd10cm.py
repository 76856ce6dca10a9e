"""ICD-10-CM codes placed by their hierarchy: any code of the neoplasm chapter is read, its site
from its category or subcategory (``icd10cm-sites.csv``), its behavior from its block.

Why a shipped table and a library: the hierarchy comes from CDC's ICD-10-CM through the kept
library ``simple-icd-10-cm`` (the ``[fhir]`` extra), but importing it parses the whole
classification (about 2 s and 190 MiB per process). So ``icd10cm.csv``, every category and
subcategory of chapter 2 (Neoplasms, C00-D49) already placed, is generated from it
(``scripts/icd10cm_table.py``; a test keeps the two equal) and read in a few milliseconds; the
library is imported only for a neoplasm code the table lacks (a later release), and a code it does
not know either is left unread. A code outside chapter 2 is not a neoplasm whatever it is (Z85
"personal history of" codes included): the reader knows such a Condition is not a cancer.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources
from typing import Any

#: Behaviors of chapter 2 that are not a cancer (D10-D36, D3A benign; D37-D48 uncertain; D49 unspecified).
NOT_CANCER = frozenset({"benign", "uncertain", "unspecified_behavior", "not_neoplasm"})
FIELDS = ("kind", "site", "primary_cancer", "histology", "laterality")
NEOPLASM_CHAPTER = "2"  # simple_icd_10_cm names chapters by number: "2" is Neoplasms (C00-D49)
_SYNTAX = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?")
#: C44 subcodes: the character after the site digit names the histology (checked over the 2026 release).
_C44_HISTOLOGY = {"1": "basal_cell_carcinoma", "2": "squamous_cell_carcinoma", "3": "other", "9": "other"}
_BEHAVIOR = {"D00-D09": "in_situ", "D10-D36": "benign", "D3A": "benign", "D37-D48": "uncertain",
             "D49": "unspecified_behavior"}


def dotted(code: Any) -> str | None:
    """The code as ICD-10-CM writes it (upper case, dot after the category), or None when it cannot be one."""
    if not isinstance(code, str):
        return None
    text = code.strip().upper()
    if not _SYNTAX.fullmatch(text):
        return None
    text = text.replace(".", "")
    return text if len(text) == 3 else f"{text[:3]}.{text[3:]}"


def in_neoplasm_chapter(code: str) -> bool:
    """C00-D49 by the code's letters and digits (C4A, C7A, C7B and D3A included)."""
    return code[0] == "C" or (code[0] == "D" and (code[1:3] == "3A" or (code[1:3].isdigit() and int(code[1:3]) < 50)))


def _data(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def table() -> dict[str, dict[str, str]]:
    """Every category and subcategory of chapter 2 with what it gives (the shipped, generated table)."""
    return {row["code"]: {k: row[k] for k in FIELDS if row[k]} for row in _data("icd10cm.csv")}


@functools.cache
def site_map() -> tuple[tuple[str, dict[str, str]], ...]:
    """The category and subcategory prefixes that name a site or a kind, longest first."""
    rows = [(row["prefix"], {k: row[k] for k in ("kind", "site", "primary_cancer", "histology") if row[k]})
            for row in _data("icd10cm-sites.csv")]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def place(code: Any) -> dict[str, str] | None:
    """What an ICD-10-CM code gives a cancer Condition, ``{"kind": "not_neoplasm"}`` outside chapter 2,
    or None for a code neither the table nor the library knows."""
    text = dotted(code)
    if text is None:
        return None
    if not in_neoplasm_chapter(text):
        return {"kind": "not_neoplasm"}
    hit = table().get(text)
    return hit if hit is not None else _from_library(text)


@functools.cache
def _from_library(code: str) -> dict[str, str] | None:
    try:
        import simple_icd_10_cm as cm
    except ImportError:
        return None
    return derive(cm, code)


def derive(cm: Any, code: str) -> dict[str, str] | None:
    """What a code gives, from the library's hierarchy and the site map (the table is made by this)."""
    if not cm.is_valid_item(code) or not cm.is_category_or_subcategory(code):
        return None
    ancestors = cm.get_ancestors(code)
    if not ancestors or ancestors[-1] != NEOPLASM_CHAPTER:
        return {"kind": "not_neoplasm"}
    behavior = next((_BEHAVIOR[a] for a in ancestors + [code[:3]] if a in _BEHAVIOR), None)
    if behavior in NOT_CANCER:
        return {"kind": behavior}
    found = next((meaning for prefix, meaning in site_map() if code.startswith(prefix)), None)
    meaning = dict(found) if found else {"kind": behavior or "primary", "site": "other"}
    if behavior == "in_situ":
        meaning["kind"] = "in_situ"
    if meaning["kind"] == "primary" and "site" in meaning:
        meaning.setdefault("primary_cancer", "other")
    if code.startswith("C44") and len(code) >= 6 and code[5] in _C44_HISTOLOGY:
        meaning["histology"] = _C44_HISTOLOGY[code[5]]
    words = set(re.findall(r"[a-z]+", cm.get_description(code).lower()))
    side = "bilateral" if "bilateral" in words else None if {"right", "left"} <= words else (
        "right" if "right" in words else "left" if "left" in words else None)
    if side and meaning.get("site"):
        meaning["laterality"] = side
    return {k: meaning[k] for k in FIELDS if meaning.get(k)}

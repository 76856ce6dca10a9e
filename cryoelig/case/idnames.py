"""People's names and home towns in free text, from shipped lists of first names and surnames.

Why lists and not capitalisation alone: clinical text is full of capitalised pairs that are no one
(``Child Pugh``, ``Milan Criteria``, ``Austin Flint murmur``, ``Ivor Lewis oesophagectomy``). A pair counts as
a name when its first word is a listed first name (``names/first_names.txt``) and its second is not a clinical
head noun nor followed by one; a first name that is also a word (``Will``, ``Grace``, ``Milan``: the ambiguous
list) counts only before a listed surname. Also: a title and a capitalised word (``Dr Okafor``), ``Doe, Jane``,
``J. Doe``, a relative or "patient" and a name, ``JANE DOE``, and a town after "lives in". The lists (about
160 KB; sources and licences in ``names/NOTICE.txt``) are read on first use, so importing cryoelig stays cheap.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple

from .idtext import STATES
from .lazyre import lazy

NAME = "a person's name"
_DATA = Path(__file__).resolve().parent / "names"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: First names that are also common words or eponyms, besides the generated list.
_AMBIGUOUS_BY_HAND = _words("""
will may june april august grace hope faith joy dawn rose mark bill art pat sue chance milan addison wilson
clark hunter gilbert allen kent bell paget barrett murphy turner bowen lynch graves parker carter mason
hodgkin ewing wilms down long young price rich king page pearl ruby amber crystal jade summer autumn winter
sunny star sky river brook lane drew gene ray frank earl guy jack max rusty sandy pepper candy ginger
destiny harmony melody charity patience prudence constance mercy trinity liberty unity serenity
""")

#: Clinical head nouns: a capitalised pair whose second word (or the word after it) is one of these is an
#: eponym, not a person ("Addison Disease", "Milan Criteria", "Austin Flint murmur").
CLINICAL_HEADS = _words("""
murmur murmurs protein proteins nodule nodules node oesophagectomy esophagectomy gastrectomy resection incision
approach repair shunt anastomosis fixation triad spots phenomenon chromosome virus bacillus bodies
disease diseases syndrome sign signs test tests fracture fractures tumor tumour tumors tumours sarcoma lymphoma
carcinoma cell cells criteria criterion score scores grade grades stage stages staging class classification
level levels scale scales index catheter drain fascia pouch capsule plexus technique procedure operation
maneuver manoeuvre reflex palsy anemia anaemia nevus naevus ulcer esophagus dementia units unit flow line
lines system clinic hospital center centre institute university college foundation medical health care
protocol trial study group network society association guideline guidelines rule rules method
needle needles probe probes position valve cyst cysts lesion lesions mass nodes
hernia body bodies disorder phenomenon effect law curve pattern patterns type types variant variants
""")
#: Capitalised words after an initial that are not surnames ("E. Coli").
_INITIAL_STOP = _words("coli aureus diff difficile pylori epidermidis pneumoniae faecalis faecium aeruginosa "
                       "albicans vulgaris mirabilis influenzae")
_TITLES = _words("Dr Mr Mrs Ms Mx Miss Prof Sr Sra Mme Mlle Herr Frau DR MR MRS MS PROF")
_RELATIONS = _words("daughter son wife husband partner spouse mother father mum mom dad sister brother niece nephew "
                    "grandson granddaughter grandmother grandfather aunt uncle friend neighbour neighbor carer "
                    "caregiver guardian patient pt named called by")
_SURGICAL_SUFFIX = ("ectomy", "otomy", "ostomy", "plasty", "pexy", "scopy", "graphy", "rrhaphy")

_CAP = r"(?:[A-Z][a-z]{1,30}(?:['’-][A-Z]?[a-z]{1,30})?|[A-Z]['’][A-Z][a-z]{1,30})"  # Doe, Jean-Luc, O'Connor
#: A capitalised word (_CAP) or an upper-case one (DOE), written to start with [A-Z] (re's fast scan).
_WORD = lazy(r"[A-Z](?:[a-z]{1,30}(?:['’-][A-Z]?[a-z]{1,30})?|['’][A-Z][a-z]{1,30}|[A-Z]{1,19}(?![a-z]))")
_INITIAL_LAST = lazy(rf"[A-Z]\. {{0,2}}({_CAP})")
_GAP_PAIR = lazy(r" {1,3}(?:[A-Z]\.? {1,3})?|[_.]")  # between a first name and a surname: maybe an initial; Jane_Doe
_GAP_TITLE = lazy(r"\.? {1,3}(?:[A-Z]\. {0,2})?")  # 'Dr. ', 'Mrs ', 'Dr. A. '
_GAP_COMMA = lazy(r", {1,3}")
_NEXT_WORDS = lazy(r"(?: {1,3}[A-Z][a-z'’-]{1,30}){0,2} {1,3}([A-Za-z]{2,30})")

_PLACE = lazy(r"(?:lives?|living|resides?|residing|moved|relocated|from) {1,3}(?:(?:in|to|near|at) {1,3})?")
_PLACE_WORD = lazy(r"[A-Z][a-z]{2,30}")
_STATE_AFTER = lazy(r", {0,2}([A-Z]{2})(?![A-Za-z])")
_PLACE_STOP = _words("a an the care nursing sheltered assisted residential supported his her their own home "
                     "bed ward icu hospital hospice rehab")


class _Lists(NamedTuple):
    first: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]


def _read(name: str) -> frozenset[str]:
    """One word a line after a first line of provenance ('# from ...'): split at once, twice as fast as by line."""
    text = (_DATA / name).read_text(encoding="utf-8")
    return frozenset(text[text.index("\n"):].split() if text.startswith("#") else text.split())


@functools.cache
def lists() -> _Lists:
    """The name lists, read once per process on first use."""
    return _Lists(_read("first_names.txt"), _read("surnames.txt"),
                  _read("ambiguous_first_names.txt") | _AMBIGUOUS_BY_HAND)


def _first(word: str) -> str:
    return word.split("-")[0].split("'")[0].split("’")[0].lower()


def _is_surname(word: str, names: _Lists) -> bool:
    low = word.lower().replace("’", "'")
    return low in names.surnames or low.replace("'", "") in names.surnames or low.split("-")[0] in names.surnames


def _eponym_after(text: str, end: int) -> bool:
    """The words after a name-like pair end with a clinical head ('Austin Flint murmur', 'Ivor Lewis
    oesophagectomy', 'Sister Mary Joseph nodule'): an eponym, not a person."""
    match = _NEXT_WORDS.match(text, end)
    if not match:
        return False
    word = match.group(1).lower()
    return word in CLINICAL_HEADS or word.endswith(_SURGICAL_SUFFIX)


def _pair(text: str, word: re.Match[str], nxt: re.Match[str]) -> bool:
    """'Jane Doe', 'Jane A. Doe', 'JANE DOE' (both listed), 'Doe, Jane'. The lists are read only here and
    below, when two capitalised words stand together: a note of acronyms and numbers never needs them."""
    first, second = word.group(), nxt.group()
    upper = first.isupper()
    if second.isupper() != upper:
        return False
    head, low2 = _first(first), second.lower()
    if _GAP_PAIR.fullmatch(text, word.end(), nxt.start()) and low2 not in CLINICAL_HEADS:
        names = lists()
        if head not in names.first:
            pass
        elif upper:
            if head not in names.ambiguous and (_is_surname(second, names) or low2 in names.first):
                return True
        elif (head not in names.ambiguous or _is_surname(second, names)) and not _eponym_after(text, nxt.end()):
            return True
    if upper or not _GAP_COMMA.fullmatch(text, word.end(), nxt.start()):
        return False
    given, names = _first(second), lists()
    return (given in names.first and given not in names.ambiguous and first.lower() not in CLINICAL_HEADS
            and not text[nxt.end():nxt.end() + 1].isalpha())


def _after_relation(text: str, low: str, word: re.Match[str]) -> bool:
    """'daughter Mary', 'husband is Tom', 'patient Jane'."""
    start = word.start()
    if word.group().isupper() or not start or text[start - 1] != " ":
        return False
    before = low[max(0, start - 24):start].split()
    if not before or not (before[-1] in _RELATIONS or (len(before) > 1 and before[-1] == "is"
                                                       and before[-2] in _RELATIONS)):
        return False
    head, names = _first(word.group()), lists()
    return (head not in names.ambiguous and word.group().lower() not in CLINICAL_HEADS
            and (head in names.first or _is_surname(word.group(), names)) and not _eponym_after(text, word.end()))


def _initial_and_surname(text: str) -> bool:
    """'J. Doe' with a listed surname (not 'E. coli')."""
    for match in _INITIAL_LAST.finditer(text):
        start, word = match.start(), match.group(1)
        if (start == 0 or not (text[start - 1].isalpha() or text[start - 1] == ".")) \
                and word.lower() not in _INITIAL_STOP and _is_surname(word, lists()):
            return True
    return False


def name_kind(text: str, low: str) -> str | None:
    """A person's name in the text (``low``: its lower-cased copy, same positions), or None."""
    words = [m for m in _WORD.finditer(text) if m.start() == 0 or not text[m.start() - 1].isalpha()]
    related = bool(words) and not _RELATIONS.isdisjoint(low.split())  # a relation word before a name, somewhere
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt and nxt.start() - word.end() <= 8:  # the widest gap of a pair: '  ', ', ', ' A. ', '. A. '
            if word.group() in _TITLES and not nxt.group().isupper() \
                    and _GAP_TITLE.fullmatch(text, word.end(), nxt.start()):
                return NAME  # Dr Okafor, Mrs Patel, Dr. A. Hughes
            if _pair(text, word, nxt):
                return NAME
        if related and _after_relation(text, low, word):
            return NAME
    return NAME if "." in text and _initial_and_surname(text) else None


def place_kind(text: str, low: str) -> str | None:
    """A town after 'lives in', 'moved to' ('from Town, ST' only with a state code: 'from Spark' is not)."""
    for match in _PLACE.finditer(low):
        if match.start() and low[match.start() - 1].isalpha():
            continue
        cap = _PLACE_WORD.match(text, match.end())
        if not cap or cap.group().lower() in _PLACE_STOP:
            continue
        if low.startswith("from", match.start()):
            state = _STATE_AFTER.match(text, cap.end())
            if not (state and state.group(1) in STATES):
                continue
        return "a place name (town or city)"
    return None

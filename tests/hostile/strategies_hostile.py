"""Hypothesis strategies for hostile input: identifier-laden labels (and legitimate ones), nested
and huge structures, binary bytes; each planted value is distinctive so that an echo is found."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from cryoelig.case.contract import schema_levels

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
          "january", "february", "march", "april", "june", "july", "august", "september", "october",
          "november", "december"]
SEPARATORS = "-_./ "
LABEL_SEPARATORS = "-_."


def _case(word: str, how: int) -> str:
    return (word, word.upper(), word.capitalize())[how]


@st.composite
def dates(draw: st.DrawFn) -> str:
    day, month, year = draw(st.integers(1, 28)), draw(st.integers(1, 12)), draw(st.integers(1900, 2099))
    y = str(year) if draw(st.booleans()) else f"{year % 100:02d}"
    sep = draw(st.sampled_from(SEPARATORS))
    d = f"{day:02d}" if draw(st.booleans()) else str(day)
    if draw(st.booleans()):  # month as a name, in any letter case, separators optional next to it
        name = _case(draw(st.sampled_from(MONTHS)), draw(st.integers(0, 2)))
        s1, s2 = draw(st.sampled_from(["", sep])), sep
        order = draw(st.sampled_from(["dmy", "mdy", "ymd"]))
        if order == "dmy":
            return f"{d}{s1}{name}{s1}{y}"
        if order == "mdy":
            return f"{name}{s1}{d}{s2}{y}"
        return f"{year}{s1}{name}{s1}{d}"
    m = f"{month:02d}" if draw(st.booleans()) else str(month)
    order = draw(st.sampled_from(["dmy", "mdy", "ymd"]))
    parts = {"dmy": (d, m, y), "mdy": (m, d, y), "ymd": (str(year), m, d)}[order]
    return sep.join(parts)


@st.composite
def phones(draw: st.DrawFn) -> str:
    sep = draw(st.sampled_from("-_. "))
    local = f"{draw(st.integers(200, 9999)):03d}{sep}{draw(st.integers(0, 9999)):04d}"
    area = draw(st.sampled_from(["", f"{draw(st.integers(20, 999))}{sep}", f"({draw(st.integers(20, 999))}) "]))
    country = draw(st.sampled_from(["", "+1 ", "+44 "])) if area else ""
    return f"{country}{area}{local}"


@st.composite
def names(draw: st.DrawFn) -> str:
    first = draw(st.from_regex(r"[A-Z][a-z]{1,9}", fullmatch=True))
    last = draw(st.from_regex(r"[A-Z][a-z]{1,9}", fullmatch=True))
    return f"{first}{draw(st.sampled_from(LABEL_SEPARATORS))}{last}"


@st.composite
def identifier_labels(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, label): a label that carries an identifier, with an optional harmless prefix or suffix."""
    kind = draw(st.sampled_from(["date", "phone", "ssn", "zip", "name", "email", "record"]))
    if kind == "date":
        core = draw(dates())
    elif kind == "phone":
        core = draw(phones())
    elif kind == "ssn":
        sep = draw(st.sampled_from("-_. "))
        core = f"{draw(st.integers(100, 899))}{sep}{draw(st.integers(10, 99))}{sep}{draw(st.integers(1000, 9999))}"
    elif kind == "zip":
        core = f"{draw(st.integers(0, 99999)):05d}" + draw(st.sampled_from(["", f"-{draw(st.integers(0, 9999)):04d}"]))
        return kind, core  # a ZIP code is refused as a whole label only
    elif kind == "name":
        core = draw(names())
    elif kind == "email":
        core = draw(st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?@[a-z]{2,8}\.(org|com|net)", fullmatch=True))
    else:
        core = str(draw(st.integers(10**6, 10**12)))
    prefix = draw(st.sampled_from(["", "C_", "case-", "x."]))
    suffix = draw(st.sampled_from(["", "_07", "-b", ".v"]))
    return kind, f"{prefix}{core}{suffix}"


#: Words that make a label with a number identifying (docs/case-schema.md): a month (``mar-2019``: a month and
#: year), a record keyword (``mrn_123``, ``lot_123``), an age (``age_95``), a ZIP code's context (``zip_02139``,
#: ``lives_in_02139``), a PO box, ``www.`` (a URL).
NOT_PLAIN_WORDS = frozenset(MONTHS) | {
    "www", "mrn", "mr", "sn", "ssn", "ss", "acct", "account", "lot", "chart", "serial", "plate", "license", "licence",
    "passport", "accession", "medicare", "medicaid", "age", "aged", "ages", "zip", "post", "postal", "box", "lives",
    "living", "resides", "residing", "moved", "relocated", "located", "home", "address"}

#: Labels as people make them for anonymized cases: lower-case words and at most one number.
legitimate_labels = st.builds(
    lambda words, sep, number: sep.join(words) + (f"{sep}{number}" if number is not None else ""),
    st.lists(st.from_regex(r"[a-z]{2,8}", fullmatch=True).filter(lambda w: w not in NOT_PLAIN_WORDS),
             min_size=1, max_size=4),
    st.sampled_from(LABEL_SEPARATORS),
    st.none() | st.integers(0, 999_999).map(str) | st.integers(0, 99).map(lambda n: f"{n:02d}"),
)

PLANTED_KEYS = ["123-45-6789", "Jane_Doe", "jane@example.org", "555-0199", "14-Mar-2025", "02139",
                "C_2025-03-14", "Jane Doe", "x\ncryoelig: error: forged", "\x1b]52;c;aGk=\x07", "a\rb"]
SCHEMA_KEYS = sorted({name for names in schema_levels().values() for name in names})

scalars = (st.none() | st.booleans() | st.integers(-(10**40), 10**40) | st.floats(allow_nan=True)
           | st.text(max_size=40) | st.sampled_from(PLANTED_KEYS) | st.sampled_from(["Kidney", "1e1", "3,8", "on"]))
keys = st.sampled_from(SCHEMA_KEYS) | st.sampled_from(PLANTED_KEYS) | st.text(min_size=1, max_size=20)


def nested(max_leaves: int = 40) -> st.SearchStrategy[Any]:
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
                        max_leaves=max_leaves)


@st.composite
def hostile_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A case-shaped mapping with hostile keys and values mixed in."""
    data: dict[str, Any] = {"case_id": draw(st.sampled_from(["h-1", "Jane_Doe", "14-Mar-2025", "ok.2"])),
                            "site": draw(st.sampled_from(["kidney", "Bone", "moon", 3]))}
    data.update(draw(st.dictionaries(keys, nested(20), max_size=6)))
    if draw(st.booleans()):
        data["tumor"] = draw(st.dictionaries(keys, nested(10), max_size=5))
    return data

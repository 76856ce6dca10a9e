"""Text as the identifier guard reads it: Unicode folded to the few forms its patterns know.

Why: people (and copied documents) write ``555–0199`` with an en dash, ``jane＠example.com`` with a
fullwidth @, a phone number with a zero-width space or a no-break space inside, and digits of other
scripts. Each pattern could list every variant; folding once is smaller and cannot miss one pattern.
The fold: NFKC; every dash (category Pd, U+2212 minus, U+2043) to ``-``; fraction and division slashes to
``/``; every space (Zs, line and paragraph separators) to `` ``; format (Cf: zero-width, bidi, soft
hyphen), combining (Mn, Me) and control (Cc, but tab and line breaks) characters removed; every decimal
digit (Nd) to its ASCII digit (NFKC leaves Arabic-Indic ``١٢`` as it is); Cyrillic and Greek letters that
look like Latin ones (``Jаne`` with a Cyrillic а) to those. ASCII text is returned as it is, but for its
control characters. The folded text is only read, never shown.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_DASHES = frozenset((0x2212, 0x2043, 0x2796, 0xFE63, 0xFF0D))
_SLASHES = frozenset((0x2044, 0x2215, 0x29F8, 0x2571))  # fraction, division, big solidus, box diagonal
#: Cyrillic and Greek letters drawn like Latin ones (lower-case Greek is left alone: α, β, μ are clinical).
_LOOKALIKES = dict(zip(map(ord, "аеорсухіјѕһԁԛԝАВЕКМНОРСТХІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧο"),
                       "aeopcyxijshdqwABEKMHOPCTXIJSABEZHIKMNOPTYXo", strict=True))


class _FoldMap(dict[int, Any]):
    """The ``str.translate`` table, filled on first use of each code point (no 1.1M-entry table at import)."""

    def __missing__(self, cp: int) -> Any:
        char = chr(cp)
        cat = unicodedata.category(char)
        value: Any = cp
        if cp < 0x80:
            value = None if (cat == "Cc" and char not in "\t\n\r") else cp
        elif cat == "Pd" or cp in _DASHES:
            value = "-"
        elif cp in _SLASHES:
            value = "/"
        elif cat in ("Zs", "Zl", "Zp") or cp == 0x85:
            value = " "
        elif cat in ("Cf", "Mn", "Me", "Cc"):
            value = None
        elif cat == "Nd":
            value = str(unicodedata.decimal(char))
        elif cp in _LOOKALIKES:
            value = _LOOKALIKES[cp]
        self[cp] = value
        return value


_FOLD = _FoldMap()
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold(text: str) -> str:
    """The text as the guard's patterns read it (see the module docstring)."""
    if text.isascii():
        return text.translate(_FOLD) if _ASCII_CONTROL.search(text) else text
    return unicodedata.normalize("NFKC", text).translate(_FOLD)

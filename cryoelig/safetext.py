"""Text that is safe to print on a terminal: control characters dropped.

Why: a file name, a usage error or any text that reached a message may carry a newline (a
forged ``cryoelig: error:`` line), a carriage return (overwriting what was printed), ESC or
OSC sequences (colours, window titles, OSC 52 writing the clipboard) or bidirectional
overrides (text that reads differently from what it is). Every line the command line prints
about input goes through :func:`clean_line`; multi-line text the tool composes itself
(prompts, tables) goes through :func:`clean_block`, which keeps line breaks and tabs only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

_CONTROL = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
#: Invisible or direction-changing characters that make a line read as something else.
_FORMAT = [0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
           *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF]

_LINE_TABLE = dict.fromkeys([*_CONTROL, *_FORMAT])
_LINE_TABLE[0x09] = " "  # a tab inside one line reads as a space
_BLOCK_TABLE = {k: v for k, v in _LINE_TABLE.items() if k not in (0x0A, 0x09)}

#: Longest piece of user-given text (a file name, an option value) shown in one message.
MAX_SHOWN = 200


def clean_line(text: str) -> str:
    """One line with every control and format character removed (newlines included)."""
    return str(text).translate(_LINE_TABLE)


def clean_block(text: str) -> str:
    """Several lines: control and format characters removed except line breaks and tabs."""
    return str(text).translate(_BLOCK_TABLE)


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """User-given text as shown in a message: cleaned, and cut with '…' when longer than ``limit``."""
    text = clean_line(text)
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"


def _no_name(path: str) -> bool:
    return False


#: Whether a file's name may be shown: the identifier guard's test, installed by cryoelig.case.identifiers
#: when it is imported (the foundation imports nothing above it); until then no name is shown at all.
_name_may_show: Callable[[str], bool] = _no_name
#: How a file whose name is not shown is named when its place is not known.
HIDDEN_FILE = "the file given (its name is not shown: it looks identifying)"


def install_file_name_guard(check: Callable[[str], bool]) -> None:
    """Set the test of :func:`shown_file` (called once, by cryoelig.case.identifiers)."""
    global _name_may_show
    _name_may_show = check


def name_may_show(path: str) -> bool:
    """True when no part of the path looks identifying (a date, a person's name, an SSN...)."""
    return _name_may_show(path)


def shown_file(path: str, place: str | None = None) -> str:
    """A file as a message names it: its path as :func:`shown` shows it when no part of the path looks
    identifying, else its place ('file 12 of the folder'; by default :data:`HIDDEN_FILE`)."""
    return shown(path) if _name_may_show(path) else (place or HIDDEN_FILE)


def err_line(line: str) -> None:
    """Write one cleaned line to standard error (``cryoelig:`` messages)."""
    stream = sys.stderr
    if stream is not None:
        stream.write(clean_line(line) + "\n")
        stream.flush()

"""Standard input ('-'): read with the same size cap as a file; closed or undecodable is one clear error.

Why its own module: with ``check - <&-`` Python starts with ``sys.stdin = None``, and a case piped
from ``/dev/zero`` never ends; both used to end in a traceback or unbounded memory.
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from ..errors import InputError, Problem
from .opening import read_capped

STDIN_NAME = "<stdin>"


def stdin_stream() -> BinaryIO:
    """The binary standard input; InputError when it is closed."""
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        raise InputError([Problem("standard input is closed: give a file, or pipe the case into cryoelig",
                                  file=STDIN_NAME)])
    return stream.buffer


def read_stdin_bytes(limit: int) -> bytes:
    return read_capped(stdin_stream(), limit, STDIN_NAME, "standard input")

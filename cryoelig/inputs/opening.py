"""Opening what the user names: regular files or standard input only, read with a size cap.

Why: ``check /dev/zero`` grew to 4 GB in seconds and ``check`` on a FIFO nobody writes to
waited forever. A case file is opened without blocking (a FIFO cannot stall the open),
refused unless it is a regular file, and never read beyond its limit (standard input: stdin.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from ..case.limits import mib
from ..errors import InputError, Problem
from .base import BOM


def open_regular(path: str, what: str = "a case file") -> BinaryIO:
    """The file opened for binary reading; InputError unless it is a regular file that can be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError([Problem("file not found", file=path)]) from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        reason = getattr(error, "strerror", None) or "the name is not a valid file name"
        raise InputError([Problem(f"cannot read: {reason}", file=path)]) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError([Problem(f"is a folder, not {what}", file=path)])
        raise InputError([Problem("is not a regular file (a device, pipe or socket): cryoelig reads regular "
                                  "files, or standard input given as -", file=path)])
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_capped(stream: BinaryIO, limit: int, name: str, what: str = "a case file") -> bytes:
    """At most ``limit`` bytes; InputError when there is more (nothing beyond limit + 1 is read)."""
    try:
        data = stream.read(limit + 1)
    except OSError as error:
        raise InputError([Problem(f"cannot read: {error.strerror or error}", file=name)]) from None
    if len(data) > limit:
        raise InputError([Problem(f"larger than {mib(limit)}, the limit for {what}", file=name)])
    return data


def file_fingerprint(path: str) -> dict[str, Any]:
    """What identifies a file's content for ``--resume``: its resolved path, size and modification time."""
    st = os.stat(path)
    return {"path": str(Path(path).resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_file_bytes(path: str, limit: int) -> bytes:
    with open_regular(path) as stream:
        return read_capped(stream, limit, path)


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 text without a leading byte order mark; InputError naming the first undecodable line."""
    raw = raw.removeprefix(BOM)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputError([Problem("not UTF-8 text", file=name, line=line)]) from None

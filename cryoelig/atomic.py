"""Replace a file all at once: a reader sees the old content or the new, never half of it.

Why one module: reports, the rule catalog, the validated-pack cache and batch checkpoints all
write files that another run (or a person) may read while they are written. Each write goes
to a new temporary file in the same folder (so the rename stays on one file system), created
with the permissions a plain ``open(path, "w")`` would give, flushed and fsynced, then renamed
over the final name; on any error the temporary file is removed and the old file is left as it
was. (No ``tempfile``: it imports ``random``, which costs a command's start-up more than this.)
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

_serial = itertools.count()


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (text is encoded as UTF-8, newlines kept as given) to ``path`` atomically."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp, fd = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _create_temporary(path: Path) -> tuple[Path, int]:
    """A new file next to ``path`` that no other writer (thread or process) can be using."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_serial)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:  # left over by a crashed run with the same process id
            continue


def remove_leftovers(path: str | os.PathLike[str]) -> int:
    """Remove the temporary files a killed writer left next to ``path`` (``.<name>.<pid>.<n>.tmp``).
    Only for a caller that holds the lock on ``path``'s output set, so that no live writer owns them.
    Returns how many were removed."""
    path = Path(path)
    pattern = re.compile(re.escape(f".{path.name}.") + r"\d+\.\d+\.tmp")
    removed = 0
    try:
        names = os.listdir(path.parent if str(path.parent) else ".")
    except OSError:
        return 0
    for name in names:
        if pattern.fullmatch(name):
            try:
                os.unlink(path.with_name(name))
                removed += 1
            except OSError:
                pass
    return removed

"""Output files that are safe to write: locked, atomic, and never anything but regular files.

Why:
- Two runs with the same ``--out`` at once left millions of NUL bytes under the final name; an
  exclusive lock (``flock``) on ``<out>.lock`` makes the second run stop at once, naming the lock,
  before it touches anything.
- ``--summary /dev/full`` replaced the device by a rename, and ``--out`` naming a symbolic link
  overwrote the file it pointed to. An output may replace a regular file only: a symbolic link,
  device, FIFO, socket or folder under an output's name is refused, never followed. Partial and
  temporary files are opened with ``O_NOFOLLOW | O_NONBLOCK`` (a new partial with ``O_EXCL``) so a
  planted FIFO, link or hard link cannot stall or redirect them.
- Every final file appears by ``rename`` of a complete, fsynced temporary file in the same folder
  (``cryoelig.atomic``), so a file with its final name is always complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from ..atomic import remove_leftovers
from ..atomic import write_atomic as replace_atomically
from ..errors import InputError, Problem

_SAFE_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def check_replaceable(path: Path, what: str = "output") -> None:
    """InputError unless ``path`` is absent or a regular file; a symbolic link is refused, never followed."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise InputError([Problem(f"cannot use this {what}: {error.strerror}", file=str(path))]) from None
    if stat.S_ISLNK(mode):
        raise InputError([Problem(f"is a symbolic link, which is not a regular file: cryoelig never writes through "
                                  f"a link; remove it or give another {what} name", file=str(path))])
    if stat.S_ISDIR(mode):
        raise InputError([Problem(f"is a folder; the {what} is a file name", file=str(path))])
    if not stat.S_ISREG(mode):
        raise InputError([Problem(f"is not a regular file (a device, pipe or socket); cryoelig replaces regular "
                                  f"files only: give another {what} name", file=str(path))])


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes | str) -> None:
    """``cryoelig.atomic.write_atomic`` (a new temporary file made with ``O_EXCL``, fsync, rename) on a
    final name that is absent or a regular file: never a link, device or FIFO (a rename replaces the
    name, so a link planted after the check is replaced, never followed)."""
    path = Path(path)
    check_replaceable(path)
    replace_atomically(path, data)


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def open_partial(path: Path, truncate: bool) -> int:
    """A descriptor for an unfinished output, never through a link: ``truncate``, a new file (what was
    under the name is removed first, so a hard link elsewhere keeps its content); else the existing
    one, a regular file with no other name."""
    try:
        if truncate:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(path)
        fd = os.open(path, os.O_RDWR | _SAFE_FLAGS | (os.O_CREAT | os.O_EXCL if truncate else 0), 0o666)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.EEXIST, errno.EPERM):
            raise InputError([Problem("is not a regular file (a symlink, pipe, device or folder); remove it or "
                                      "choose another --out", file=str(path))]) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise InputError([Problem("is not a regular file of its own (a device, or a file with another name "
                                  "too); remove it or choose another --out", file=str(path))])
    os.set_blocking(fd, True)
    return fd


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def append_file(src: str, fd: int) -> None:
    """Append a file's bytes at fd's position (copy_file_range where the kernel has it), then remove it."""
    with open(src, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        copied = 0
        if hasattr(os, "copy_file_range"):
            with contextlib.suppress(OSError):
                while copied < size:
                    n = os.copy_file_range(f.fileno(), fd, size - copied)
                    if n == 0:
                        break
                    copied += n
        if copied < size:
            f.seek(copied)
            for block in iter(lambda: f.read(1 << 20), b""):
                write_all(fd, block)
    os.unlink(src)


class OutputLock:
    """An exclusive lock on the output set of one batch: ``<out>.lock`` next to ``--out``.

    Taken without waiting: a second run stops at once. The lock file is removed on release; a run
    that took the lock checks that the file it locked is still the one under the lock's name (another
    run may have removed it in between), else it tries again."""

    def __init__(self, out: Path):
        self.path = out.with_name(out.name + ".lock")
        self.fd: int | None = None

    def acquire(self) -> OutputLock:
        import fcntl

        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _SAFE_FLAGS, 0o644)
            except OSError as error:
                raise InputError([Problem(f"cannot create the lock file of this output: {error.strerror}",
                                          file=str(self.path))]) from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise InputError([Problem("the lock file of this output is not a regular file", file=str(self.path))])
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise InputError([Problem("another cryoelig batch is writing this output (its lock is held); wait "
                                          "for it to finish or choose another --out", file=str(self.path))]) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return self
            os.close(fd)
        raise InputError([Problem("the lock file of this output keeps changing; try again", file=str(self.path))])

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def tidy_after_run(state: Path, *others: Path | None) -> None:
    """After a run's final renames: no checkpoint left, nor the temporary files a killed run left beside the
    run's files (``.<name>.<pid>.<n>.tmp``: the writer's own pattern only)."""
    state.unlink(missing_ok=True)
    for path in (state, *others):
        if path is not None:
            remove_leftovers(path)

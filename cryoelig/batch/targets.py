"""The files one batch run writes, checked together before any row is read.

Why: ``--out r.jsonl --force`` with ``r.jsonl`` a symbolic link overwrote the link's target (run as
root: any file); ``--summary`` naming the ``--out`` file silently lost the summary; ``--errors``
naming the run's own partial results file lost or mixed results. So every file of a run (results,
errors, summary, summary page, the two partial files, the checkpoint, the lock) is named here, and
the run stops with one line, exit code 2, before it touches any of them, when

- one is a symbolic link, or exists and is not a regular file (cryoelig never writes through a
  link: every final file appears by ``rename``, which replaces a name and never follows one);
- two of them are the same file: the same name once the folder is resolved, or, for files that
  exist, the same device and inode (``os.stat``: a hard link is the same file);
- one of them is the input;
- the folder of one does not exist.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from .options import BatchOptions, partial_paths, words_path
from .outfiles import check_replaceable


@dataclass(frozen=True)
class RunFiles:
    """Every file a run writes, by the role it plays."""

    out: Path
    errors: Path
    summary: Path | None
    page: Path | None
    part_out: Path
    part_err: Path
    state: Path
    lock: Path
    spill: Path
    #: a compact run's words file (``options.words_path``)
    words: Path | None = None

    @classmethod
    def of(cls, opts: BatchOptions) -> RunFiles:
        out, errors = opts.out, opts.errors_path
        part_out, part_err, state = partial_paths(out, errors)
        return cls(out, errors, opts.summary, opts.summary_html, part_out, part_err, state,
                   out.with_name(out.name + ".lock"), out.with_name(out.name + ".partial.spill"),
                   words_path(out) if opts.report == "compact" else None)

    def finals(self) -> list[Path]:
        return [p for p in (self.out, self.errors, self.summary, self.page, self.words) if p is not None]

    def roles(self) -> list[tuple[str, Path]]:
        """(what it is, its path), the options first: a clash is told by the option the user gave."""
        named = [("--out", self.out), ("--errors", self.errors), ("--summary", self.summary),
                 ("--summary-html", self.page), ("the run's partial results file", self.part_out),
                 ("the run's partial errors file", self.part_err), ("the run's checkpoint", self.state),
                 ("the run's lock file", self.lock), ("the workers' spill folder", self.spill),
                 ("the run's words file", self.words)]
        return [(role, path) for role, path in named if path is not None]


def _keys(path: Path) -> set[object]:
    """What names one file: its name in its resolved folder, and its device and inode when it exists."""
    keys: set[object] = {os.path.normcase(os.path.join(os.path.realpath(path.parent), path.name))}
    try:
        st = os.stat(path, follow_symlinks=False)
        keys.add((st.st_dev, st.st_ino))
    except OSError:
        pass
    return keys


def check_run_files(opts: BatchOptions, files: RunFiles) -> None:
    """InputError (one line, nothing touched) when the run's files cannot all be written safely."""
    seen: dict[object, str] = {}
    if opts.input != "-":
        for key in _keys(Path(opts.input)):
            seen[key] = "the input"
    for role, path in files.roles():
        for key in _keys(path):
            if key in seen:
                other = seen[key]
                if other == "the input":
                    raise InputError([Problem("the output would overwrite the input", file=str(path))])
                if not other.startswith("--"):  # the option the user gave first
                    role, other = other, role
                raise InputError([Problem(f"{role} names the same file as {other}; give two different files",
                                          file=str(path))])
            seen[key] = role
    for role, path in files.roles():
        if not path.resolve().parent.is_dir():
            raise InputError([Problem("the folder for this output does not exist", file=str(path))])
        if path == files.spill:
            _check_spill(path)
        else:
            option = role if role.startswith("--") else "--errors" if path == files.part_err else "--out"
            check_replaceable(path, f"{option} file")


def _check_spill(path: Path) -> None:
    """The spill folder is made and removed by the run: a link or a file there is refused."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if not stat.S_ISDIR(mode):
        raise InputError([Problem("the run's spill folder is taken by a link or another file; remove it",
                                  file=str(path))])

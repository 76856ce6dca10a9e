"""Checkpoint and resume: how far a run got, and whether an unfinished run may be continued.

Why: output goes to ``<out>.partial`` and ``<errors>.partial``; after a chunk both are fsynced and
the checkpoint (``<out>.partial.state``: input position, byte offsets of both partial files,
counts, running aggregate and a fingerprint of input, options and pack) is replaced atomically.
``--resume`` truncates the partials to the checkpoint and continues from the recorded position.

Why it cannot lie: a checkpoint was trusted as written, so a position past the input's end finished
"18500 rows read" with 41,500 rows silently missing, and a negative count ended in an assertion on
every later resume. Now the state carries digests (sha256) of itself, of each partial file up to its
offset and of the input consumed up to its position (kept by the reader as it reads, each byte once);
every field is type-checked, the counts must add up (rows read = results + errors = the position's
rows; a JSONL partial holds one line per record). Any mismatch is one line and exit code 2 before
anything is written, with the way out: ``--force`` starts afresh.

Why a partial file's digest is a chain over its chunks (``link``: the sha256 of the previous link and
of the chunk's sha256), with the chunks' sizes in the state: each chunk's sha256 is taken by the
worker that made it, in parallel, so the parent, which writes for every worker, never reads the
~12 kB of each report again (sha256 costs ~9 us per report: a parent writing for 16 workers would
spend most of a core on it). A resume cuts the file at the recorded sizes and recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..inputs import Position, Source
from ..safetext import shown_file
from .aggregate import Aggregate
from .options import BatchOptions

STATE_VERSION = 4  # 3: digests of the state, the partial files and the input consumed; 4: a Parquet partial
# holds the published scales' total and band columns (an older partial cannot be read with the new schema)
_KEYS = {"version", "fingerprint", "position", "out_offset", "errors_offset", "aggregate", "digests", "chunks",
         "digest"}
_AFRESH = "nothing was changed: run the same command with --force instead of --resume to start afresh"


@dataclass
class State:
    fingerprint: dict[str, Any]
    position: Position
    out_offset: int
    errors_offset: int
    aggregate: Aggregate
    #: sha256 (hex) of the input consumed ("input"; None when the input keeps none), and the chain digest of
    #: each partial file ("out", "errors")
    digests: dict[str, str | None]
    #: the sizes of what each chunk appended to the two partial files, [results, errors], the header first
    chunks: list[list[int]]

    def to_json(self) -> bytes:
        body = {
            "version": STATE_VERSION, "fingerprint": self.fingerprint,
            "position": {"offset": self.position.offset, "line": self.position.line, "row": self.position.row},
            "out_offset": self.out_offset, "errors_offset": self.errors_offset,
            "aggregate": self.aggregate.to_dict(), "digests": self.digests, "chunks": self.chunks,
        }
        return json.dumps({**body, "digest": _self_digest(body)}, sort_keys=True).encode()

    @classmethod
    def read(cls, path: Path) -> State:
        """The checkpoint at ``path``; InputError (one line) unless it is whole, unchanged and consistent."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as f:
                text = f.read(64 << 20)
            d = json.loads(text)
        except (OSError, ValueError, RecursionError):
            raise _refusal("the checkpoint of the interrupted run cannot be read", path) from None
        if not isinstance(d, dict) or d.get("version") != STATE_VERSION:
            raise _refusal("the checkpoint was written by another version of cryoelig, or is not one", path)
        if set(d) != _KEYS or d["digest"] != _self_digest({k: v for k, v in d.items() if k != "digest"}):
            raise _refusal("the checkpoint was changed or damaged since it was written (its digest does not "
                           "match)", path)
        why = _inconsistency(d)
        if why:
            raise _refusal(f"the checkpoint does not add up ({why})", path)
        return cls(d["fingerprint"], Position(**d["position"]), d["out_offset"], d["errors_offset"],
                   Aggregate(d["aggregate"]), d["digests"], d["chunks"])


def link(chain: bytes, chunk_sha256: bytes) -> bytes:
    """The next link of a partial file's chain digest: what it was, and the sha256 of one more chunk."""
    return hashlib.sha256(chain + chunk_sha256).digest()


def _self_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _refusal(why: str, path: Path) -> InputError:
    return InputError([Problem(f"cannot resume: {why}; {_AFRESH}", file=str(path))])


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value < 1 << 62


def _counter(value: Any, depth: int) -> bool:
    """A mapping of names to counts (``depth`` 1) or to such mappings (2)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return False
    return all(_count(v) if depth == 1 else _counter(v, 1) for v in value.values())


def _aggregate_problem(a: Any) -> str | None:
    """What is wrong with a stored aggregate (it must be exactly what ``Aggregate.to_dict`` writes)."""
    if not isinstance(a, dict) or set(a) != set(Aggregate().to_dict()):
        return "the aggregate is not one"
    counts, findings, errors = a["counts"], a["findings"], a["errors"]
    shapes = [_counter(counts, 1) and set(counts) == {"rows_read", "results", "errors"},
              isinstance(findings, dict) and set(findings) == {"by_kind", "by_factor"}
              and _counter(findings["by_kind"], 1) and _counter(findings["by_factor"], 2),
              isinstance(errors, dict) and set(errors) == {"by_reason", "by_field"}
              and _counter(errors["by_reason"], 1) and _counter(errors["by_field"], 1),
              _counter(a["sites"], 1), _counter(a["missing"], 1), _counter(a["cases_by_site_factor"], 2),
              isinstance(a["sources"], dict) and all(
                  isinstance(s, dict) and all(isinstance(v, str | None) for v in s.values())
                  for s in a["sources"].values()),
              isinstance(a["scales"], dict) and all(isinstance(v, dict) and set(v) == {"total", "bands"}
                                                    and _counter(v, 2) for v in a["scales"].values())]
    if not all(shapes):
        return "the aggregate holds something other than counts"
    if counts["rows_read"] != counts["results"] + counts["errors"]:
        return "rows read are not results plus errors"
    if Aggregate(a).to_dict() != a:
        return "the aggregate is not one"
    return None


def _inconsistency(d: dict[str, Any]) -> str | None:
    position, digests = d["position"], d["digests"]
    if not isinstance(position, dict) or set(position) != {"offset", "line", "row"} or \
            not all(_count(v) for v in position.values()):
        return "the position is not one"
    if not (_count(d["out_offset"]) and _count(d["errors_offset"]) and isinstance(d["fingerprint"], dict)):
        return "an offset is not one"
    if not isinstance(digests, dict) or set(digests) != {"input", "out", "errors"} or \
            not all(isinstance(v, str) for v in (digests["out"], digests["errors"])) or \
            not isinstance(digests["input"], str | None):
        return "the digests are not there"
    chunks = d["chunks"]
    if not isinstance(chunks, list) or not all(isinstance(c, list) and len(c) == 2 and _count(c[0]) and _count(c[1])
                                               for c in chunks):
        return "the chunks are not there"
    if [sum(c[0] for c in chunks), sum(c[1] for c in chunks)] != [d["out_offset"], d["errors_offset"]]:
        return "the chunks do not add up to the offsets"
    problem = _aggregate_problem(d["aggregate"])
    if problem:
        return problem
    if position["row"] != d["aggregate"]["counts"]["rows_read"]:
        return "the position's rows are not the rows counted"
    return None


def fingerprint(opts: BatchOptions, source: Source, out_kind: str, out: Path, errors: Path,
                pack_sha256: str) -> dict[str, Any]:
    """What must not change between an interrupted run and its resume."""
    return {"input": source.fingerprint() if source.seekable else "<stdin>", "out_kind": out_kind,
            "out": str(out.resolve()), "errors": str(errors.resolve()), "pack_sha256": pack_sha256,
            "max_bytes": opts.max_bytes, "ignore_columns": sorted(set(opts.ignore_columns))}


def chain_partial(path: Path, sizes: list[int]) -> tuple[bytes, int] | None:
    """The chain digest of a partial file cut into chunks of ``sizes`` bytes, and the line ends in them
    (never through a link); None when the file is shorter or cannot be read."""
    chain, lines = b"", 0
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        for size in sizes:
            digest = hashlib.sha256()
            while size > 0:
                block = f.read(min(size, 1 << 20))
                if not block:
                    return None
                digest.update(block)
                lines += block.count(b"\n")
                size -= len(block)
            chain = link(chain, digest.digest())
    return chain, lines


@dataclass
class Resumed:
    """A checked checkpoint, and the partial files' chain digests up to its offsets (to go on with)."""

    state: State
    out_chain: bytes
    errors_chain: bytes


@dataclass
class ResumeFiles:
    """The files a resume reads: the partials, the checkpoint, and the run's final outputs."""

    part_out: Path
    part_err: Path
    state: Path
    finals: list[Path]
    header: bytes  # what the results partial starts with
    out_lines: bool  # whether the results partial holds one line per result (JSONL)


def resume_state(opts: BatchOptions, source: Source, print_note: Callable[[str], None], expected: dict[str, Any],
                 files: ResumeFiles) -> Resumed | None:
    """The checkpoint to continue from (``--resume``), or None to start from the beginning."""
    if opts.resume and not source.seekable:
        raise InputError([Problem("--resume needs an input file: standard input cannot be read again")])
    if not opts.resume:
        if files.state.exists() or files.part_out.exists():
            named = shown_file(files.part_out.name, "name not shown")
            print_note(f"discarding the unfinished output of an earlier run ({named}); "
                       "use --resume to continue such a run instead")
        return None
    if not files.state.exists():
        finished = next((f for f in files.finals if os.path.lexists(f)), None)
        if finished is not None:
            raise InputError([Problem("nothing to resume: this run has already finished (its output is here and "
                                      "no unfinished run is); nothing was changed: give --force instead of "
                                      "--resume to run it again", file=str(finished))])
        print_note("nothing to resume: starting from the beginning")
        return None
    state = State.read(files.state)
    if state.fingerprint != expected:
        changed = sorted(k for k in expected if state.fingerprint.get(k) != expected[k]) or ["the run"]
        raise _refusal(f"{', '.join(changed)} changed since the interrupted run", files.state)
    resumed = _check_partials(state, files)
    if state.position.offset < source.start.offset or source.prefix_digest(state.position) != state.digests["input"]:
        raise _refusal("the input read so far is not what the interrupted run read (it was changed, or the "
                       "checkpoint's position is not in it)", files.state)
    print_note(f"resuming after {state.position.row} rows")
    return resumed


def _check_partials(state: State, files: ResumeFiles) -> Resumed:
    out = chain_partial(files.part_out, [c[0] for c in state.chunks])
    err = chain_partial(files.part_err, [c[1] for c in state.chunks])
    if out is None or err is None:
        raise _refusal("the unfinished output is shorter than its checkpoint, or missing", files.part_out)
    if (out[0].hex(), err[0].hex()) != (state.digests["out"], state.digests["errors"]):
        raise _refusal("the unfinished output was changed since its checkpoint", files.part_out)
    counts = state.aggregate
    if err[1] != counts.errors or (files.out_lines and out[1] != counts.results) or \
            state.out_offset < len(files.header):
        raise _refusal("the unfinished output does not hold the records its checkpoint counts", files.part_out)
    return Resumed(state, out[0], err[0])

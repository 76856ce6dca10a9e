"""Checkpoint and resume: how far a run got, and whether an unfinished run may be continued.

Why: output goes to ``<out>.partial`` and ``<errors>.partial``; after a chunk both are fsynced and
the checkpoint (``<out>.partial.state``: input position, byte offsets of both partial files,
counts, running aggregate and a fingerprint of input, options and pack) is replaced atomically.
``--resume`` truncates the partials to the checkpoint and continues from the recorded position;
a checkpoint whose fingerprint differs (another input, pack or options) is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..inputs import Position, Source
from ..safetext import shown_file
from .aggregate import Aggregate
from .options import BatchOptions

STATE_VERSION = 2  # 2: the aggregate counts cases per site and factor (cases_by_site_factor)


@dataclass
class State:
    fingerprint: dict[str, Any]
    position: Position
    out_offset: int
    errors_offset: int
    aggregate: Aggregate

    def to_json(self) -> bytes:
        return json.dumps({
            "version": STATE_VERSION, "fingerprint": self.fingerprint,
            "position": {"offset": self.position.offset, "line": self.position.line, "row": self.position.row},
            "out_offset": self.out_offset, "errors_offset": self.errors_offset,
            "aggregate": self.aggregate.to_dict(),
        }, sort_keys=True).encode()

    @classmethod
    def read(cls, path: Path) -> State:
        try:
            with open(path, "rb") as f:
                text = f.read(64 << 20)
            d = json.loads(text)
            if d.get("version") != STATE_VERSION:
                raise ValueError("version")
            return cls(d["fingerprint"], Position(**d["position"]), int(d["out_offset"]),
                       int(d["errors_offset"]), Aggregate(d["aggregate"]))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            raise InputError([Problem("the checkpoint of the interrupted run cannot be read; run without "
                                      "--resume to start again", file=str(path))]) from None


def fingerprint(opts: BatchOptions, source: Source, out_kind: str, out: Path, errors: Path,
                pack_sha256: str) -> dict[str, Any]:
    """What must not change between an interrupted run and its resume."""
    return {"input": source.fingerprint() if source.seekable else "<stdin>", "out_kind": out_kind,
            "out": str(out.resolve()), "errors": str(errors.resolve()), "pack_sha256": pack_sha256,
            "max_bytes": opts.max_bytes}


def resume_state(opts: BatchOptions, source: Source, print_note: Callable[[str], None], expected: dict[str, Any],
                 part_out: Path, part_err: Path, state_path: Path) -> State | None:
    """The checkpoint to continue from (``--resume``), or None to start from the beginning."""
    if opts.resume and not source.seekable:
        raise InputError([Problem("--resume needs an input file: standard input cannot be read again")])
    if not opts.resume:
        if state_path.exists() or part_out.exists():
            named = shown_file(part_out.name, "name not shown")
            print_note(f"discarding the unfinished output of an earlier run ({named}); "
                       "use --resume to continue such a run instead")
        return None
    if not (state_path.exists() and part_out.exists() and part_err.exists()):
        print_note("nothing to resume: starting from the beginning")
        return None
    state = State.read(state_path)
    if state.fingerprint != expected:
        changed = sorted(k for k in expected if state.fingerprint.get(k) != expected[k])
        raise InputError([Problem(f"cannot resume: {', '.join(changed)} changed since the interrupted "
                                  "run; run without --resume to start again", file=str(state_path))])
    if part_out.stat().st_size < state.out_offset or part_err.stat().st_size < state.errors_offset:
        raise InputError([Problem("cannot resume: the unfinished output is shorter than its checkpoint; "
                                  "run without --resume to start again", file=str(part_out))])
    print_note(f"resuming after {state.position.row} rows")
    return state

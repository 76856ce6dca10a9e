"""The second round's attacks on ``batch`` (issue 26): the files a run writes, and the bounds of every
input format. Each names its class and the "Seen" item it reproduces; test_hostile_batch26.py runs them
as test_hostile_corpus.py runs the first round's (one subprocess each, every promise of harness.py).

A file's content may be text or bytes, "fifo", "->target" (a symbolic link), "=>target" (a hard
link, made after the others) or a function that writes the file (the bombs of bombs.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bombs import parquet_big_cells, xlsx_big_cell, xlsx_shared_strings
from corpus import GOOD, Attack, counts

JSONL = json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "case_id": "ok-2"}) + "\n"
VICTIM = "precious: not a batch output\n"
FINISHED = {"in.jsonl": JSONL + JSONL, "r.jsonl": JSONL, "r.errors.jsonl": ""}
RUN = ["batch", "in.jsonl", "--out", "r.jsonl", "--jobs", "1"]


def untouched(*names: str) -> Callable[[Path, object], None]:
    """The files keep their content (the victim of a link, the results of a finished run)."""
    def check(folder: Path, outcome: object) -> None:
        for name in names:
            text = (folder / name).read_text()
            assert text in (VICTIM, JSONL), f"{name} was written to: {text[:80]!r}"
    return check


def nothing_written(*inputs: str) -> Callable[[Path, object], None]:
    """Refused before any row: no file but the inputs (no partial, state, lock or final file)."""
    def check(folder: Path, outcome: object) -> None:
        names = sorted(p.name for p in folder.iterdir())
        assert names == sorted(inputs), names
    return check


def unchanged(files: dict[str, str]) -> Callable[[Path, object], None]:
    """The folder holds exactly these files with exactly this content: nothing changed, nothing added."""
    def check(folder: Path, outcome: object) -> None:
        found = {p.name: p.read_text() for p in folder.iterdir()}
        assert found == files, sorted(found)
    return check


def _writer(make: Callable[..., Path], *args: object, **kwargs: object) -> Callable[[Path], None]:
    return lambda path: make(path, *args, **kwargs) and None


def _folder_with_a_loop() -> dict[str, object]:
    files: dict[str, object] = {f"cases/c{i:02d}.yaml": f"case_id: c-{i}\nsite: kidney\n" for i in range(50)}
    files["cases/loop.yaml"] = "->loop.yaml"
    return files


def _outputs() -> list[Attack]:
    link = {"in.jsonl": JSONL, "victim.txt": VICTIM}
    out = []
    for option, name in (("--out", "r.jsonl"), ("--errors", "e.jsonl"), ("--summary", "s.json"),
                         ("--summary-html", "page.html")):
        args = ["batch", "in.jsonl", "--out", name, "--force"] if option == "--out" else [*RUN, "--force", option, name]
        out.append(Attack("loss", f"{option} names a symbolic link to another file (--force)",
                          "--out r.jsonl --force with r.jsonl a link overwrote the link's target",
                          args, {**link, name: "->victim.txt"}, codes=(2,), err_has=("symbolic link",),
                          check=untouched("victim.txt")))
    for working in ("r.jsonl.partial.state", "r.jsonl.partial", "r.errors.jsonl.partial", "r.jsonl.lock"):
        out.append(Attack("loss", f"the run's own {working.split('.', 2)[-1]} file is a symbolic link",
                          "every file a run writes is created without following links", [*RUN, "--force"],
                          {**link, working: "->victim.txt"}, codes=(2,), check=untouched("victim.txt")))
    for option, name, why in (("--summary", "r.jsonl", "--summary = --out: the summary silently not written"),
                              ("--errors", "r.jsonl.partial", "--errors = the partial results: results lost"),
                              ("--summary", "r.jsonl.partial.state", "--summary = the state file: missing"),
                              ("--errors", "r.jsonl.lock", "--errors = the lock file")):
        out.append(Attack("loss", f"{option} {name} with --out r.jsonl", why, [*RUN, option, name],
                          {"in.jsonl": JSONL}, codes=(2,), err_has=("names the same file",),
                          check=nothing_written("in.jsonl")))
    out += [
        Attack("loss", "--summary is a hard link of the existing --out (--force)", "two names of one file",
               [*RUN, "--force", "--summary", "s.json"], {"in.jsonl": JSONL, "r.jsonl": JSONL, "s.json": "=>r.jsonl"},
               codes=(2,), err_has=("names the same file",), check=untouched("r.jsonl")),
        Attack("loss", "the input is the run's own partial results file", "another's working file",
               ["batch", "r.jsonl.partial", "--out", "r.jsonl", "--jobs", "1"], {"r.jsonl.partial": JSONL},
               codes=(2,), err_has=("overwrite the input",), check=untouched("r.jsonl.partial")),
        Attack("loss", "--resume on a run that already finished", "--resume after the end overwrote the results",
               [*RUN, "--resume"], FINISHED, codes=(2,), err_has=("already finished", "nothing was changed"),
               check=unchanged(FINISHED)),
    ]
    return out


def _bounds() -> list[Attack]:
    return [
        Attack("wrong exit code", "a symbolic-link loop among 50 good case files", "the loop stopped the folder: "
               "exit 2, 0 rows", ["batch", "cases", "--out", "r.jsonl", "--summary", "s.json", "--jobs", "1"],
               _folder_with_a_loop(), codes=(1,), check=counts(51, 50, 1)),
        Attack("hang", "xlsx whose one cell unpacks to 64 MB from 67 KB", "1.5 MB -> 1.5 GB cell: 5.8 GB",
               ["batch", "bomb.xlsx", "--out", "r.jsonl"], {"bomb.xlsx": _writer(xlsx_big_cell, 64 << 20)},
               codes=(2,), err_has=("100 times",)),
        Attack("hang", "xlsx with one 3 MB cell of random letters (ratio 1.3)", "a cell beyond any record",
               ["batch", "long.xlsx", "--out", "r.jsonl"],
               {"long.xlsx": _writer(xlsx_big_cell, 3 << 20, compressible=False)}, codes=(2,),
               err_has=("longer than 1 MiB",)),
        Attack("hang", "xlsx of 2 rows and 150,000 shared strings (400 KB)", "2 million shared strings: 533 MiB, "
               "42 s", ["batch", "strings.xlsx", "--out", "r.jsonl"],
               {"strings.xlsx": _writer(xlsx_shared_strings, 150_000)}, codes=(2,), err_has=("shared-strings",)),
        Attack("hang", "Parquet whose one cell unpacks to 8 MB from 1 KB", "Parquet pages without bounds",
               ["batch", "bomb.parquet", "--out", "r.jsonl"], {"bomb.parquet": _writer(parquet_big_cells, 8 << 20)},
               codes=(2,), err_has=("beyond cryoelig's bounds",)),
        Attack("hang", "Parquet of 400 rows of 50 KB each from 10 KB (zstd)", "Parquet pages without bounds",
               ["batch", "many.parquet", "--out", "r.jsonl"],
               {"many.parquet": _writer(parquet_big_cells, 50_000, rows=400)}, codes=(2,), err_has=("100 times",)),
        Attack("hang", "one 48 MB line on stdin with --max-bytes 64 MiB", "lines read in quadratic time: "
               "32 MB 79 s, 64 MB past 300 s", ["batch", "-", "--out", "r.jsonl", "--summary", "s.json",
                                                "--max-bytes", str(64 << 20)],
               stdin=b"a" * (48 << 20) + b"\n", codes=(1,), check=counts(1, 0, 1)),
        Attack("wrong exit code", "a 16 MB line then a good one on stdin", "a 1 GB line on stdin: exit code 0",
               ["batch", "-", "--out", "r.jsonl", "--summary", "s.json"],
               stdin=b"{" * (16 << 20) + b"\n" + JSONL.encode(), codes=(1,), check=counts(3, 2, 1)),
        Attack("wrong exit code", "a 1 MiB line over --max-bytes 4096 on stdin, then good ones",
               "a 1 GB line on stdin: one error row but exit code 0",
               ["batch", "-", "--out", "r.jsonl", "--summary", "s.json", "--max-bytes", "4096"],
               stdin=b"x" * (1 << 20) + b"\n" + JSONL.encode(), codes=(1,), check=counts(3, 2, 1)),
    ]


def attacks() -> list[Attack]:
    return _outputs() + _bounds()

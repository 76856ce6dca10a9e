"""The crafted attacks, built into a temporary folder by the tests (no large committed files).

Each attack names its class (the kind of promise it probes), the "Seen" item of issue 7 it
reproduces, the files it needs, the command line, and what the run must show besides the
promises every run keeps (harness.check_promises).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import CLOSED

GOOD = {"case_id": "ok-1", "site": "kidney", "tumor": {"size_cm": 2.5}}
CSV_HEADER = "case_id,site,tumor.size_cm,tumor.location,overall_health,notes\n"


def yaml_case(extra: str = "", case_id: str = "h-1", site: str = "kidney") -> str:
    return f"case_id: {case_id}\nsite: {site}\n{extra}"


def billion_laughs(levels: int = 9) -> str:
    """~1 KB of YAML whose aliases expand 10**levels times (mappings, as in the issue)."""
    lines = ["a0: &a0 {x: 1, y: 2}"]
    for i in range(1, levels + 1):
        refs = ", ".join(f"k{j}: *a{i - 1}" for j in range(10))
        lines.append(f"a{i}: &a{i} {{{refs}}}")
    return "case_id: h-1\nsite: kidney\nnotes:\n  " + "\n  ".join(lines) + "\n"


def deep_json(depth: int = 1500) -> str:
    return '{"case_id": "h-1", "site": "kidney", "tumor": ' + "[" * depth + "]" * depth + "}"


@dataclass
class Attack:
    cls: str
    name: str
    seen: str
    args: list[str]
    files: dict[str, bytes | str] = field(default_factory=dict)
    stdin: bytes | object | None = None
    stdout: str = "pipe"
    codes: tuple[int, ...] = (0, 1, 2)
    err_has: tuple[str, ...] = ()
    err_lacks: tuple[str, ...] = ()
    check: Callable[[Path, object], None] | None = None
    #: True when the code before the fix could harm the machine (fork bombs): skipped for that run.
    unsafe_before: bool = False


def _rows(folder: Path, name: str) -> list[dict]:
    path = folder / name
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _fact(outcome: object, name: str, value: object) -> None:
    facts = json.loads(outcome.out)["facts"]  # type: ignore[attr-defined]
    assert facts[name] == value, facts


def counts(read: int, results: int, errors: int) -> Callable[[Path, object], None]:
    def check(folder: Path, outcome: object) -> None:
        summary = json.loads((folder / "s.json").read_text())["counts"]
        assert summary == {"rows_read": read, "results": results, "errors": errors}, summary
        assert len(_rows(folder, "r.jsonl")) == results and len(_rows(folder, "r.errors.jsonl")) == errors
    return check


BATCH = ["--out", "r.jsonl", "--summary", "s.json", "--jobs", "1"]


def attacks() -> list[Attack]:
    jsonl_good = json.dumps(GOOD) + "\n"
    out: list[Attack] = [
        # ------------------------------------------------------------ crashes
        Attack("crash", "size 0.00009 cm in YAML (check)", "segfault check", ["check", "c.yaml"],
               {"c.yaml": yaml_case("tumor: {size_cm: 0.00009}\n")}, codes=(2,), err_has=("tumor.size_cm",)),
        Attack("crash", "size 1e-5 in JSON (check)", "segfault check",
               ["check", "c.json"], {"c.json": '{"case_id": "h-1", "site": "kidney", "tumor": {"size_cm": 1e-5}}'},
               codes=(2,), err_has=("tumor.size_cm", "exponent")),
        Attack("crash", "size 0.00009 (report)", "segfault report", ["report", "c.yaml"],
               {"c.yaml": yaml_case("tumor: {size_cm: 0.00009}\n")}, codes=(2,), err_has=("tumor.size_cm",)),
        Attack("crash", "size 0.00009 (explain)", "segfault explain", ["explain", "c.yaml"],
               {"c.yaml": yaml_case("tumor: {size_mm: 0.0009}\n")}, codes=(2,), err_has=("tumor.size_mm",)),
        Attack("crash", "size 0.00001 in a batch row (--jobs 1)", "EngineMismatchError batch",
               ["batch", "in.csv", *BATCH],
               {"in.csv": CSV_HEADER + "a-1,kidney,0.00001,,,\na-2,kidney,2.5,,,\na-3,kidney,0.00009,,,\n"},
               codes=(1,), check=counts(3, 1, 2)),
        Attack("crash", "JSON nested 1,500 deep (check)", "RecursionError", ["check", "c.json"],
               {"c.json": deep_json()}, codes=(2,), err_has=("nested",)),
        Attack("crash", "JSON nested 1,500 deep in one batch line", "RecursionError aborts a batch",
               ["batch", "in.jsonl", *BATCH], {"in.jsonl": jsonl_good + deep_json() + "\n" + jsonl_good},
               codes=(1,), check=counts(3, 2, 1)),
        Attack("crash", "YAML nested 1,500 deep (check)", "RecursionError", ["check", "c.yaml"],
               {"c.yaml": "case_id: h-1\nsite: kidney\nnotes: " + "[" * 1500 + "]" * 1500 + "\n"}, codes=(2,)),
        Attack("crash", "integer of 5,000 digits (JSON)", "4300 digits", ["check", "c.json"],
               {"c.json": '{"case_id": "h-1", "site": "kidney", "tumor": {"count": ' + "7" * 5000 + "}}"},
               codes=(2,), err_has=("tumor.count", "digits")),
        Attack("crash", "integer of 5,000 digits (YAML)", "4300 digits", ["check", "c.yaml"],
               {"c.yaml": yaml_case("tumor:\n  count: " + "7" * 5000 + "\n")}, codes=(2,), err_has=("tumor.count",)),
        Attack("crash", "integer of 5,000 digits as a top-level JSON document", "4300 digits", ["check", "c.json"],
               {"c.json": "9" * 5000}, codes=(2,)),
        Attack("crash", "stdin closed (check -)", "stdin closed", ["check", "-"], stdin=CLOSED, codes=(2,),
               err_has=("standard input is closed",)),
        Attack("crash", "stdin closed (batch -)", "stdin closed", ["batch", "-", "--out", "r.jsonl"], stdin=CLOSED,
               codes=(2,), err_has=("standard input is closed",)),
        Attack("crash", "stdin closed (checklist)", "stdin closed", ["checklist", "--site", "kidney"], stdin=CLOSED,
               codes=(2,), err_has=("standard input is closed",)),
        Attack("crash", "undecodable bytes on stdin (check -)", "undecodable stdin", ["check", "-"],
               stdin=b"case_id: h-1\nsite: \xff\xfe\xfa\n", codes=(2,), err_has=("not UTF-8",)),
        Attack("crash", "undecodable bytes on stdin (checklist)", "undecodable stdin", ["checklist"],
               stdin=b"\xff\xfe\xfa\n\xc3\n", codes=(2,), err_has=("not UTF-8",)),
        Attack("crash", "undecodable bytes on stdin (batch -)", "undecodable stdin", ["batch", "-", *BATCH],
               stdin=jsonl_good.encode() + b"\xff\xfe{\n", codes=(1,), check=counts(2, 1, 1)),
        Attack("crash", "--jobs 99999999999999999999", "--jobs huge", ["batch", "in.jsonl", "--out", "r.jsonl",
                                                                        "--jobs", "99999999999999999999"],
               {"in.jsonl": jsonl_good * 3}, codes=(0,), err_has=("CPU",)),
        Attack("crash", "--jobs of 5,000 digits", "--jobs huge", ["batch", "in.jsonl", "--out", "r.jsonl",
                                                                 "--jobs", "9" * 5000, "-q"],
               {"in.jsonl": jsonl_good}, codes=(2,), err_has=("not shown",)),
        # ------------------------------------------------------------ hangs and blow-ups
        Attack("blowup", "YAML billion laughs of mappings (~1 KB)", "billion laughs", ["check", "c.yaml"],
               {"c.yaml": billion_laughs()}, codes=(2,), err_has=("anchors",)),
        Attack("blowup", "treatments with 120,000 items", "quadratic de-duplication", ["check", "c.json"],
               {"c.json": json.dumps({"case_id": "h-1", "site": "kidney", "treatments": list(range(120_000))})},
               codes=(2,), err_has=("treatments", "1000 items")),
        Attack("blowup", "batch JSONL key of 100,000 characters", "identifier scan of a long key",
               ["batch", "in.jsonl", *BATCH], {"in.jsonl": jsonl_good + json.dumps(
                   {"case_id": "h-2", "site": "kidney", "1" + "-1" * 50_000: 1}) + "\n"},
               codes=(1,), check=counts(2, 1, 1)),
        Attack("blowup", "case_id of 100,000 characters", "identifier scan of a long value",
               ["check", "c.json"], {"c.json": json.dumps({"case_id": "1." * 50_000, "site": "kidney"})}, codes=(2,)),
        Attack("blowup", "check /dev/zero (through a symlink)", "check /dev/zero", ["check", "zero.yaml"],
               {"zero.yaml": "->/dev/zero"}, codes=(2,), err_has=("not a regular file",)),
        Attack("blowup", "check a FIFO nobody writes to", "check on a FIFO", ["check", "fifo.yaml"],
               {"fifo.yaml": "fifo"}, codes=(2,), err_has=("not a regular file",)),
        Attack("blowup", "batch on a FIFO", "check on a FIFO", ["batch", "fifo.csv", "--out", "r.jsonl"],
               {"fifo.csv": "fifo"}, codes=(2,), err_has=("not a regular file",)),
        Attack("blowup", "stdin from /dev/zero (check -)", "check /dev/zero", ["check", "-"],
               stdin=b"\0" * (3 << 20), codes=(2,), err_has=("larger than 1 MiB",)),
        Attack("blowup", "--jobs 1000 on a 3-row file", "--jobs 1000", ["batch", "in.jsonl", "--out", "r.jsonl",
                                                                       "--jobs", "1000"],
               {"in.jsonl": jsonl_good * 3}, codes=(0,), err_has=("--jobs 1000 is more than",), unsafe_before=True),
        Attack("blowup", "a CSV line of 3 MiB without a line end", "unbounded line", ["batch", "in.csv", *BATCH],
               {"in.csv": CSV_HEADER + "a-1,kidney,2,,,\n" + "x" * (3 << 20)}, codes=(1,), check=counts(2, 1, 1)),
        # ------------------------------------------------------------ rows lost
        Attack("rows", "one stray quote in an unquoted cell", "stray quote swallows rows", ["batch", "in.csv", *BATCH],
               {"in.csv": CSV_HEADER + "a-1,kidney,2,,,\na-2,kidney,2,,,in 5\" lesion\na-3,lung,1,central,,\n"
                          "a-4,bone,,,,\na-5,skin,,,,\n"}, codes=(1,), check=counts(5, 4, 1)),
        Attack("rows", "an unclosed quote at the end of a line", "stray quote swallows rows",
               ["batch", "in.csv", *BATCH], {"in.csv": CSV_HEADER + 'a-1,kidney,2,,,"open\na-2,kidney,2,,,\n'},
               codes=(1,), check=counts(2, 1, 1)),
        Attack("rows", "rows ending in a lone CR", "lone CR merges rows", ["batch", "in.csv", *BATCH],
               {"in.csv": CSV_HEADER + "a-1,kidney,2,,,\ra-2,kidney,3,,,\ra-3,lung,1,central,,\n"}, codes=(0,),
               check=counts(3, 3, 0)),
        Attack("rows", "a NUL in a row", "NUL in CSV", ["batch", "in.csv", *BATCH],
               {"in.csv": CSV_HEADER + "a-1,kidney,2,,,\na-2,kid\0ney,3,,,\na-3,lung,1,central,,\n"}, codes=(1,),
               check=counts(3, 2, 1)),
        # ------------------------------------------------------------ identifiers echoed
        Attack("echo", "identifying keys in YAML", "field names printed as given", ["check", "c.yaml"],
               {"c.yaml": yaml_case("123-45-6789: 1\nJane Doe: 2\n2024-03-12: x\n")}, codes=(2,)),
        Attack("echo", "identifying keys nested in JSON", "field names printed as given", ["check", "c.json"],
               {"c.json": json.dumps({"case_id": "h-1", "site": "kidney", "tumor": {"jane@example.org": 1},
                                      "Jane_Doe": {"mrn": 3}})}, codes=(2,)),
        Attack("echo", "a YAML tag holding an identifier", "YAML tags echoed", ["check", "c.yaml"],
               {"c.yaml": yaml_case("notes: !123-45-6789 hello\n")}, codes=(2,), err_has=("tag (not shown)",)),
        Attack("echo", "unknown CSV header cells", "CSV header echoed", ["batch", "in.csv", "--out", "r.jsonl"],
               {"in.csv": "case_id,site,Jane_Doe,555-0199\nh-1,kidney,x,y\n"}, codes=(2,)),
        Attack("echo", "JSONL keys in the error file and summary.json", "JSONL keys reach error file",
               ["batch", "in.jsonl", *BATCH], {"in.jsonl": "".join(json.dumps(d) + "\n" for d in [
                   {"case_id": "h-1", "site": "kidney", "jane@example.org": 1},
                   {"case_id": "h-2", "site": "kidney", "Jane_Doe": 1},
                   {"case_id": "h-3", "site": "kidney", "tumor": {"14-Mar-2025": 1}},
                   {"case_id": "h-4", "site": "kidney", "02139": {"x": 1}}])}, codes=(1,), check=counts(4, 0, 4)),
        *[Attack("echo", f"case_id {value}", "identifying case_id accepted", ["check", "c.json", "-f", "json"],
                 {"c.json": json.dumps({"case_id": value, "site": "kidney"})}, codes=(2,), err_has=("looks like",))
          for value in ("14-Mar-2025", "2025_03_14", "C_2025-03-14", "555-0199", "02139", "Jane_Doe")],
        Attack("echo", "identifying case_ids in a batch", "identifying case_id accepted", ["batch", "in.csv", *BATCH],
               {"in.csv": CSV_HEADER + "".join(f"{v},kidney,2,,,\n" for v in (
                   "14-Mar-2025", "2025_03_14", "C_2025-03-14", "555-0199", "02139", "Jane_Doe"))},
               codes=(1,), check=counts(6, 0, 6)),
        Attack("echo", "checklist: a refused answer", "checklist echoes refused answers", ["checklist", "--site",
                                                                                         "kidney"],
               stdin=b"h-1\n123-45-6789\n" + b"\n" * 40, codes=(0, 2)),
        Attack("echo", "checklist: answers piped in", "checklist copies answers to stderr", ["checklist"],
               stdin=b"case-xq-41\nJane_Doe\nkidney\n" + b"\n" * 40, codes=(0,), err_lacks=("case-xq-41",)),
        # ------------------------------------------------------------ terminal injection
        Attack("terminal", "a key holding a newline and a forged error line", "forged error line", ["check", "c.json"],
               {"c.json": json.dumps({"case_id": "h-1", "site": "kidney",
                                      "x\ncryoelig: error: forged\n": 1})}, codes=(2,), err_lacks=("forged",)),
        Attack("terminal", "ESC, OSC 52 and CR in keys", "ESC/OSC-52/CR", ["check", "c.json"],
               {"c.json": json.dumps({"case_id": "h-1", "site": "kidney", "\x1b[31mred": 1,
                                      "\x1b]52;c;aGVsbG8=\x07": 2, "a\rb": 3})}, codes=(2,)),
        Attack("terminal", "ESC and OSC 52 in checklist answers", "ESC/OSC-52/CR", ["checklist", "--site", "kidney"],
               stdin=b"\x1b]52;c;aGVsbG8=\x07\nh-1\n\x1b[2J\r\n" + b"\n" * 40, codes=(0, 2)),
        Attack("terminal", "control characters in a file name", "ESC/OSC-52/CR",
               ["check", "x\ncryoelig: error: forged\x1b]52;c;aGk=\x07.yaml"], codes=(2,)),
        # ------------------------------------------------------------ lax or surprising reading
        Attack("grammar", "booleans 1.0, on, y, 0", "lax booleans", ["check", "c.json"],
               {"c.json": json.dumps({"case_id": "h-1", "site": "bone", "tumor": {"metastatic": 1.0},
                                      "symptoms": {"fracture": "on", "anemia": "y", "fatigue": 0}})},
               codes=(2,), err_has=("tumor.metastatic", "symptoms.fracture", "symptoms.anemia", "symptoms.fatigue")),
        Attack("grammar", "a number written 1e1", "exponent numbers", ["check", "c.yaml"],
               {"c.yaml": yaml_case('tumor: {size_cm: "1e1"}\n')}, codes=(2,), err_has=("exponent",)),
        Attack("grammar", "YAML 1.1 hex, octal, sexagesimal", "YAML 1.1 numbers", ["check", "c.yaml"],
               {"c.yaml": yaml_case("tumor: {count: 0x10}\nsymptoms: {pain_score: '1:30'}\n")}, codes=(2,),
               err_has=("tumor.count", "symptoms.pain_score")),
        Attack("grammar", "YAML 010 is ten", "YAML 1.1 numbers", ["check", "c.yaml", "-f", "json"],
               {"c.yaml": yaml_case("tumor: {count: 010}\n")}, codes=(0,),
               check=lambda folder, outcome: _fact(outcome, "tumor.count", 10)),
        Attack("grammar", "duplicate keys in YAML", "duplicate keys", ["check", "c.yaml"],
               {"c.yaml": yaml_case("tumor: {size_cm: 2}\ntumor: {size_cm: 9}\n")}, codes=(2,), err_has=("twice",)),
        Attack("grammar", "duplicate keys in JSON", "duplicate keys", ["check", "c.json"],
               {"c.json": '{"case_id": "h-1", "site": "kidney", "site": "bone"}'}, codes=(2,), err_has=("twice",)),
        Attack("grammar", "a date as case_id in YAML", "YAML dates", ["check", "c.yaml"],
               {"c.yaml": "case_id: 2024-03-12\nsite: kidney\n"}, codes=(2,), err_has=("looks like a full date",)),
        Attack("grammar", "a .json file with a BOM", "BOM refused", ["check", "c.json"],
               {"c.json": "\ufeff" + json.dumps(GOOD)}, codes=(0,)),
        Attack("grammar", "a JSONL stream with a BOM", "BOM refused", ["batch", "-", *BATCH],
               stdin=("\ufeff" + jsonl_good * 2).encode(), codes=(0,), check=counts(2, 2, 0)),
        Attack("grammar", "a spreadsheet export (; delimiter, capitals, decimal comma, blank rows)",
               "spreadsheet exports refused", ["batch", "in.csv", *BATCH],
               {"in.csv": "\ufeffcase_id;site;tumor.size_cm;overall_health;tumor.primary_cancer;tumor.metastatic\r\n"
                          "s-1;Kidney;3,8;Poor;;\r\ns-2;Bone;2,5;Good;Breast;Yes\r\n;;;;;\r\n\r\n"},
               codes=(0,), err_has=("';' (semicolon)",), check=counts(2, 2, 0)),
        Attack("grammar", "a header typo gets 'did you mean'", "header typo", ["batch", "in.csv", "--out", "r.jsonl"],
               {"in.csv": "case_id,site,tumor.locaton\nh-1,lung,central\n"}, codes=(2,),
               err_has=("did you mean 'tumor.location'?",)),
    ]
    # ------------------------------------------------------------ full or closed standard output
    answers = b"h-1\n" + b"\n" * 40
    commands = {
        "check": (["check", "c.yaml", "-f", "json"], None, 0),
        "report": (["report", "c.yaml"], None, 0),
        "batch": (["batch", "in.jsonl", "--out", "r.jsonl"], None, 0),
        "summarize": (["summarize", "empty.jsonl"], None, 0),
        "checklist": (["checklist", "--site", "kidney", "-f", "json"], answers, 0),
    }
    files = {"c.yaml": yaml_case("tumor: {size_cm: 2.5}\n"), "in.jsonl": jsonl_good, "empty.jsonl": ""}
    for command, (args, stdin, code) in commands.items():
        out.append(Attack("streams", f"stdout full ({command} > /dev/full)", "stdout full or closed", args, files,
                          stdin=stdin, stdout="full", codes=(2,), err_has=("cannot write the output",)))
        out.append(Attack("streams", f"stdout closed ({command} >&-)", "stdout full or closed", args, files,
                          stdin=stdin, stdout="closed", codes=(code,), err_lacks=("error",)))
    return out

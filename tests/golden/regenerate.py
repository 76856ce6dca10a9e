"""Golden outputs: every view of every example and scenario, checked byte for byte.

Why: a change to the code must not change an output unless it is meant to, and when it is meant
to, the reviewer must see what changed. ``tests/test_golden.py`` runs the producers below on the
current code and compares with what is stored here, which is what the code printed when the
files were last regenerated (``git log -- tests/golden`` says when and why).

What is stored (tests/golden/README.md has the layout and how to read it):
- ``outputs.sha256``: the sha256 of every output, in full (``sha256sum`` format): for every case in
  ``examples/*.yaml`` and every scenario in ``rules/scenarios/`` the ``check`` views (JSON, Markdown
  and terminal with ``--sources --why-not``, plain terminal), ``explain`` (JSON, Markdown, terminal),
  ``report`` (HTML with ``--why-not``, Markdown) and a scripted checklist transcript (with and
  without the site given); ``batch`` results and error files for ``examples/cases.csv`` and
  ``examples/cases.jsonl``; ``rules show`` for every rule, ``rules list`` and ``rules graph`` (every
  format, every site), ``rules catalog``, ``rules test``, ``rules check``, the JSON Schemas and the
  help of the commands. Any changed byte of any of them fails a test.
- ``outputs/``: the outputs a reviewer reads, byte for byte, under the names ``outputs.sha256``
  gives them (READABLE says which): per case the plain terminal report and the Markdown report;
  the catalog, ``rules test``, the schemas, the help and a batch results table. None of them lists
  every rule for every case, so one inserted rule changes few of them.
- ``reasoning/``: ``explain --format json`` re-expressed per rule (``reasoning_form.py``): one file
  per rule (its ``rules show``, line number left out, then its reasoning on every case) and
  ``cases.txt``; the report and each rule's file and line are left out (the report has goldens of
  its own, and the full JSON's digest is in ``outputs.sha256``).
- ``generated.sha256``: for 10,000 generated cases (``random.Random(SEED)``, not hypothesis), the
  sha256 of each ``check --format json`` report, and of ``explain --format json`` for a fixed
  sample of EXPLAINED of them, one line per block of BLOCK cases (the sha256 of the block's
  per-case digests).

The packs' sha256 are the one byte-level exception: a pack's hash covers every file of the pack,
so any edit of a rule would change every output that names the pack. ``pack-sha256.txt`` keeps the
hashes the outputs are stored with, one line per pack of the default set (the source pack, then
the published-scales pack), then the set's (the one every output names), and each current hash is written
as the stored one before comparing;
every other byte is compared. Regenerating keeps that file unless ``--pack-hashes`` is given.

Regenerate ONLY when a change to the pack or to an output is intended, then review the diff
(``git diff --stat tests/golden``)::

    python tests/golden/regenerate.py              # rewrite the goldens
    python tests/golden/regenerate.py --all DIR    # write every output in full into DIR, to diff
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import hashlib
import json
import os
import random
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reasoning_form  # noqa: E402

ROOT = HERE.parents[1]
OUTPUTS = HERE / "outputs"
REASONING = HERE / "reasoning"
OUTPUT_DIGESTS = HERE / "outputs.sha256"
GENERATED_DIGESTS = HERE / "generated.sha256"
PACK_SHA256 = HERE / "pack-sha256.txt"
SEED = 20261128
GENERATED = 10_000
EXPLAINED = 500  # a fixed sample of the generated cases also gets `explain --format json` digested (~60 kB a case)
BLOCK = 100
PARTS = 4  # the generated cases are checked in this many tests, so that they can run side by side
ENV = {"COLUMNS": "100", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"}
#: The outputs stored in full (beside their digest): none lists every rule of the pack for every case.
READABLE = re.compile(r"[^/]+/(check-plain\.txt|report\.md)|rules/(catalog\.md|test\.txt)|schema/.*|help/.*"
                      r"|batch/cases-csv\.results\.csv")

SITES = ("skin", "liver", "prostate", "kidney", "lung", "bone", "other")

# The case fields as of schema version 1, frozen here so the generator never depends on the code it checks.
FIELDS: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("tumor.size_cm", "size", ()),
    ("tumor.count", "count", ()),
    ("tumor.histology", "enum", ("basal_cell_carcinoma", "squamous_cell_carcinoma", "melanoma", "other")),
    ("tumor.location", "enum", ("peripheral", "central")),
    ("tumor.surgically_difficult", "bool", ()),
    ("tumor.stage", "enum", ("localized", "locally_advanced", "metastatic")),
    ("tumor.metastatic", "bool", ()),
    ("tumor.primary_cancer", "enum", ("breast", "lung", "prostate", "kidney", "thyroid", "other", "unknown")),
    ("symptoms.pain_score", "pain", ()),
    ("symptoms.fracture", "bool", ()),
    ("symptoms.bone_weakness", "bool", ()),
    ("symptoms.anemia", "bool", ()),
    ("symptoms.fatigue", "bool", ()),
    ("history.prior_cryoablation", "bool", ()),
    ("history.regrowth", "bool", ()),
    ("history.symptoms_returned", "bool", ()),
    ("history.failed_treatments", "list", ("radiation", "chemotherapy", "hormone_therapy", "surgery",
                                           "cryoablation")),
    ("treatments", "list", ("radiation", "chemotherapy", "hormone_therapy", "surgery", "palliative_care")),
    ("overall_health", "enum", ("good", "fair", "poor")),
    ("goals", "list", ("pain_relief", "quality_of_life", "cure", "stop_spread")),
    ("concerns.near_nerves", "bool", ()),
    ("concerns.bleeding_risk", "bool", ()),
    ("concerns.active_infection", "bool", ()),
    ("concerns.near_critical_structures", "bool", ()),
)
SIZES = (0.5, 1.0, 2.8, 3.9, 3.99, 4.0, 4.01, 5.0, 12.0)
# The fields the published scales added (issue 12), frozen the same way; drawn by a second generator so that
# each case's source-article fields stay what they were. A total is drawn only for a group without components.
SCALE_FIELDS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("tumor.bone_region", ("long_bone", "spine", "pelvis", "other")),
    ("symptoms.worst_pain_last_day", (0, 3, 4, 8)),
    ("kps", (30, 60, 70, 90)),
    ("mirels.site", ("upper_limb", "lower_limb", "peritrochanteric")),
    ("mirels.pain", ("mild", "moderate", "functional")),
    ("mirels.lesion", ("blastic", "mixed", "lytic")),
    ("mirels.size", ("under_one_third", "one_third_to_two_thirds", "over_two_thirds")),
    ("sins.location", ("junctional", "mobile", "semirigid", "rigid")),
    ("sins.pain", ("mechanical", "occasional", "none")),
    ("sins.lesion", ("lytic", "mixed", "blastic")),
    ("sins.alignment", ("subluxation", "deformity", "normal")),
    ("sins.collapse", ("over_half", "under_half", "body_involved", "none")),
    ("sins.posterolateral", ("bilateral", "unilateral", "none")),
    ("renal.exophytic", ("half_or_more", "under_half", "entirely_endophytic")),
    ("renal.nearness_mm", (2, 4, 5.5, 7, 9)),
    ("renal.polar_location", ("outside_polar_lines", "crosses_polar_line", "between_or_midline")),
    ("renal.anterior_posterior", ("anterior", "posterior", "neither")),
    ("renal.hilar", (True, False)),
    ("labs.inr", (1.1, 1.5, 1.6, 1.8, 2.2)),
    ("labs.platelets", (30, 49.5, 50, 180)),
)
SCALE_TOTALS = {"mirels": (4, 7, 8, 9, 12), "sins": (0, 6, 7, 12, 13, 18), "renal": (4, 6, 7, 9, 10, 12)}


# ---------------------------------------------------------------- the pack hash

def stored_pack_sha256() -> list[str]:
    """The hashes the outputs were stored with: one line per pack of the default set, in its order, then the
    set's (the one every output names, issue 22)."""
    return PACK_SHA256.read_text(encoding="utf-8").split() if PACK_SHA256.exists() else []


def hashed(pack: Any) -> tuple[Any, ...]:
    """The packs whose sha256 an output may show: each pack of a set, then the set."""
    return (*pack.parts, pack) if pack.members else pack.parts


def as_stored(text: str, pack: Any) -> str:
    """The text with each current pack's sha256 written as the one the outputs were stored with."""
    for part, stored in zip(hashed(pack), stored_pack_sha256(), strict=False):
        text = text.replace(part.sha256, stored)
    return text


# ---------------------------------------------------------------- the cases

def example_files() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.yaml"))


def scenario_cases() -> list[tuple[str, dict[str, Any]]]:
    import yaml

    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))["case"])
            for p in sorted((ROOT / "rules" / "scenarios").glob("*.yaml"))]


def all_cases() -> list[tuple[str, dict[str, Any]]]:
    """(name, nested case data) for every example and every scenario (a copy: read once a process)."""
    return copy.deepcopy(_read_cases())


@functools.cache
def _read_cases() -> list[tuple[str, dict[str, Any]]]:
    import yaml

    out = [(f"example-{p.stem}", yaml.safe_load(p.read_text(encoding="utf-8"))) for p in example_files()]
    out += [(f"scenario-{stem}", data) for stem, data in scenario_cases()]
    return out


def generated_case_data(n: int = GENERATED, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """Valid nested case data; how many fields a case gives varies from case to case."""
    rnd = random.Random(seed)
    scales = random.Random(seed + 1)
    for i in range(n):
        given = rnd.choice((0.15, 0.4, 0.7, 0.95))
        data: dict[str, Any] = {"case_id": f"g{i}", "site": rnd.choice(SITES)}
        if data["site"] == "bone" and rnd.random() < 0.6:
            data["tumor"] = {"metastatic": rnd.random() < 0.8}
        for name, kind, values in FIELDS:
            if rnd.random() >= given:
                continue
            if kind == "size":
                value: Any = rnd.choice(SIZES) if rnd.random() < 0.7 else round(rnd.uniform(0.1, 50), 2)
                if rnd.random() < 0.2:
                    name, value = "tumor.size_mm", round(value * 10, 1)
            elif kind == "count":
                value = rnd.randint(1, 5)
            elif kind == "pain":
                value = rnd.randint(0, 10)
            elif kind == "bool":
                value = rnd.random() < 0.5
            elif kind == "list":
                value = rnd.sample(values, rnd.randint(0, 3))
            else:
                value = rnd.choice(values)
            part, _, leaf = name.rpartition(".")
            (data.setdefault(part, {}) if part else data)[leaf] = value
        if "overall_health" not in data and rnd.random() < 0.3:
            data["ecog"] = rnd.randint(0, 4)
        _scale_fields(scales, data)
        yield data


def _scale_fields(rnd: random.Random, data: dict[str, Any]) -> None:
    """The published scales' fields, from their own generator (each given with a probability of its own)."""
    given = rnd.choice((0.0, 0.2, 0.5, 0.9))
    for name, values in SCALE_FIELDS:
        if rnd.random() < given:
            part, _, leaf = name.rpartition(".")
            (data.setdefault(part, {}) if part else data)[leaf] = rnd.choice(values)
    for group, totals in SCALE_TOTALS.items():
        drawn = rnd.random() < given / 3
        # R.E.N.A.L.'s R is the tumor size: a renal total beside a size must add up, so none is drawn then
        if drawn and group not in data and not (group == "renal" and "size_cm" in data.get("tumor", {})):
            data[group] = {"total": rnd.choice(totals)}
    if "labs" in data and "platelets" in data["labs"] and rnd.random() < 0.2:
        data["labs"]["platelets_per_ul"] = data["labs"].pop("platelets") * 1000


# ---------------------------------------------------------------- the command line, in process

@contextlib.contextmanager
def _environment() -> Iterator[None]:
    saved_cwd, saved = Path.cwd(), {k: os.environ.get(k) for k in (*ENV, "FORCE_COLOR")}
    os.chdir(ROOT)
    os.environ.update(ENV)
    os.environ.pop("FORCE_COLOR", None)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@functools.cache
def _command() -> Any:
    """The command line as a click command, built once a process (typer's CliRunner builds it again for
    every invocation)."""
    from typer.main import get_command

    from cryoelig.cli import app

    return get_command(app)


def _runner() -> Callable[..., str]:
    from click.testing import CliRunner

    runner, command = CliRunner(), _command()

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(command, list(args), input=input, env=ENV)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise RuntimeError(f"cryoelig {' '.join(args)} raised {result.exception!r}")
        text = result.stdout
        if result.exit_code != 0:
            text += f"\n[exit code {result.exit_code}]\n{result.stderr}"
        return text

    return run


def _case_outputs(run: Callable[..., str], pack: Any, name: str, data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    text = json.dumps(data)
    yield f"{name}/check.json", run("check", "-", "--format", "json", input=text)
    yield f"{name}/check.md", run("check", "-", "--format", "markdown", "--sources", "--why-not", input=text)
    yield f"{name}/check.txt", run("check", "-", "--sources", "--why-not", input=text)
    yield f"{name}/check-plain.txt", run("check", "-", input=text)
    yield f"{name}/explain.json", run("explain", "-", "--format", "json", input=text)
    yield f"{name}/explain.md", run("explain", "-", "--format", "markdown", input=text)
    yield f"{name}/explain.txt", run("explain", "-", input=text)
    yield f"{name}/report.html", run("report", "-", "--why-not", input=text)
    yield f"{name}/report.md", run("report", "-", "--format", "markdown", input=text)
    yield f"{name}/checklist.txt", checklist_transcript(pack, data)
    yield f"{name}/checklist-site.txt", checklist_transcript(pack, data, site_given=True)


def checklist_transcript(pack: Any, data: dict[str, Any], site_given: bool = False) -> str:
    """The checklist dialogue (library level) answering from a case, 'unknown' where it gives nothing."""
    from cryoelig.views.checklist import run

    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    shown: list[str] = []
    current: list[str] = [""]
    asked: dict[str, int] = {}

    def as_text(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(value) if value else "none"
        return str(value)

    def say(text: str) -> None:
        shown.append(text)
        match = re.match(r"\n[^\n]*\[([a-z_.]+)\]\n", text)
        if match:
            current[0] = match[1]

    def ask(prompt: str) -> str:
        name = current[0]
        asked[name] = asked.get(name, 0) + 1
        if asked[name] > 2:
            raise RuntimeError(f"the checklist refused the answer for {name} twice")
        if name == "tumor.size_cm" and "tumor.size_mm" in flat:
            answer = f"{flat['tumor.size_mm']} mm"
        else:
            answer = as_text(flat[name]) if name in flat else ""
        shown.append(prompt + answer)
        return answer

    result = run(pack, ask, say, site=data["site"] if site_given else None)
    shown.append(f"answers: {json.dumps(result.answers, sort_keys=True)}")
    shown.append(f"unknown: {result.unknown}")
    shown.append(f"skipped: {result.skipped}")
    return "\n".join(shown) + "\n"


def _batch_outputs(run: Callable[..., str]) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        for source in ("cases.csv", "cases.jsonl"):
            for suffix in ("jsonl", "csv"):
                # one output and error file per run: batch keeps existing files (unless --force)
                out = Path(tmp) / f"{Path(source).stem}-{Path(source).suffix[1:]}-{suffix}.{suffix}"
                full = ["--report", "full"] if suffix == "jsonl" else []  # a .jsonl is compact unless asked
                run("batch", f"examples/{source}", "--out", str(out), "--jobs", "1", "--quiet", *full)
                stem = f"batch/{Path(source).stem}-{Path(source).suffix[1:]}"
                yield f"{stem}.results.{suffix}", out.read_text(encoding="utf-8")
                # each run's error file (before issue 23 both runs' had one name, and only the last was kept);
                # a JSONL output's is <stem>.errors.jsonl, any other format's <name>.errors.jsonl (issue 24)
                errors = out.with_name(f"{out.stem}.errors.jsonl" if suffix == "jsonl" else f"{out.name}.errors.jsonl")
                yield f"{stem}.results.{suffix}.errors.jsonl", errors.read_text(encoding="utf-8")
        # the compact report (issue 24, --report compact, the default for .jsonl): its lines and its words file
        out = Path(tmp) / "cases-csv-compact.jsonl"
        run("batch", "examples/cases.csv", "--out", str(out), "--jobs", "1", "--quiet")
        yield "batch/cases-csv.results.compact.jsonl", out.read_text(encoding="utf-8")
        yield "batch/cases-csv.results.compact.jsonl.words.json", Path(f"{out}.words.json").read_text(encoding="utf-8")


def _rules_outputs(run: Callable[..., str], pack: Any) -> Iterator[tuple[str, str]]:
    for rule in pack.rules:
        yield f"rules/show/{rule.id}.txt", run("rules", "show", rule.id)
    for site in (None, *SITES):
        tag = site or "all"
        where = ["--site", site] if site else []
        yield f"rules/list/{tag}.txt", run("rules", "list", *where)
        yield f"rules/list/{tag}.json", run("rules", "list", *where, "--format", "json")
        yield f"rules/list/{tag}.md", run("rules", "list", *where, "--format", "markdown")
        yield f"rules/graph/{tag}.mmd", run("rules", "graph", *where, "--format", "mermaid")
        yield f"rules/graph/{tag}.dot", run("rules", "graph", *where, "--format", "dot")
    yield "rules/catalog.md", run("rules", "catalog")
    yield "rules/test.txt", run("rules", "test")
    yield "rules/test-no-engine.txt", run("rules", "test", "--no-engine")
    yield "rules/check.txt", run("rules", "check")


def _command_outputs(run: Callable[..., str]) -> Iterator[tuple[str, str]]:
    for which in ("case", "report", "pack", "rule", "compact", "words"):
        yield f"schema/{which}.json", run("schema", which)
    for command in (("check",), ("explain",), ("report",), ("checklist",), ("rules", "list"),
                    ("rules", "show"), ("rules", "graph"), ("rules", "catalog"), ("rules", "test")):
        yield f"help/{'-'.join(command)}.txt", run(*command, "--help")


# ---------------------------------------------------------------- every output, by group

def groups() -> list[str]:
    """The outputs in groups a test each: one per case, then batch, rules and commands."""
    return [name for name, _ in all_cases()] + ["batch", "rules", "commands"]


def group_of(name: str) -> str:
    """The group of an output: its first folder ('schema' and 'help' are the commands)."""
    first = name.split("/", 1)[0]
    return "commands" if first in ("schema", "help") else first


def _group_outputs(run: Callable[..., str], pack: Any, group: str) -> Iterator[tuple[str, str]]:
    if group == "batch":
        yield from _batch_outputs(run)
    elif group == "rules":
        yield from _rules_outputs(run, pack)
    elif group == "commands":
        yield from _command_outputs(run)
    else:
        yield from _case_outputs(run, pack, group, dict(all_cases())[group])


def outputs(only: str | None = None) -> Iterator[tuple[str, str]]:
    """(name, text) of every output (or of one group's), produced by the code importable now."""
    from cryoelig.rulepack.load import load_pack

    with _environment():
        run = _runner()
        pack = load_pack()
        for group in groups() if only is None else [only]:
            for name, text in _group_outputs(run, pack, group):
                yield name, as_stored(text, pack)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_digests() -> dict[str, str]:
    """{output name: sha256} as stored in outputs.sha256."""
    lines = OUTPUT_DIGESTS.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


# ---------------------------------------------------------------- the reasoning, per rule

def _line_left_out(shown: str) -> str:
    """``rules show``'s first line without the rule's line number: '(rules/kidney.yaml:3)' -> '(rules/kidney.yaml)'."""
    head, _, rest = shown.partition("\n")
    return re.sub(r"\(([^()]+\.yaml):\d+\)", r"(\1)", head, count=1) + "\n" + rest


def explanations() -> list[tuple[str, dict[str, Any]]]:
    """(case name, ``explain --format json`` parsed) for every example and scenario."""
    with _environment():
        run = _runner()
        return [(name, json.loads(run("explain", "-", "--format", "json", input=json.dumps(data))))
                for name, data in all_cases()]


def reasoning_files(explains: list[tuple[str, dict[str, Any]]] | None = None) -> Iterator[tuple[str, str]]:
    """(name under reasoning/, text): one file per rule, then cases.txt."""
    from cryoelig.rulepack.load import load_pack

    explains = explanations() if explains is None else explains
    pack = load_pack()
    with _environment():
        run = _runner()
        for rule in pack.rules:
            entries = [(name, next(r for r in explain["rules"] if r["rule"] == rule.id)) for name, explain in explains]
            shown = _line_left_out(as_stored(run("rules", "show", rule.id), pack))
            yield f"{rule.id}.txt", reasoning_form.render_rule_file(shown, rule.id, entries)
    yield "cases.txt", reasoning_form.render_cases_file(explains)


# ---------------------------------------------------------------- 10,000 generated cases

def _reports(cases: list[Any], pack: Any) -> list[Any]:
    """Reports decided by the engine, as ``batch`` and ``check`` decide them."""
    from cryoelig.facade import review_many

    return [r.report for r in review_many(cases, pack)]


def _explain_json(case: Any, pack: Any) -> str:
    """`explain --format json` of one case (the command writes exactly this)."""
    from cryoelig.views.explanation import explain_case

    data = explain_case(case, pack).model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def explained_sample() -> set[int]:
    """The generated cases whose explanation is digested too: a fixed sample, spread over all of them."""
    return set(random.Random(SEED + 2).sample(range(GENERATED), EXPLAINED))


def part_blocks(part: int) -> range:
    """The first case of each block that part ``part`` of PARTS checks."""
    per = GENERATED // BLOCK // PARTS
    return range(part * per * BLOCK, (part + 1) * per * BLOCK, BLOCK)


def digest_lines(part: int | None = None) -> list[str]:
    """'<first case> check <sha256>' per block of BLOCK cases, and '<first case> explain <sha256>' for
    the block's sampled cases (every block of one part, or all)."""
    from cryoelig.case.contract import parse_case
    from cryoelig.rulepack.load import load_pack

    pack = load_pack()
    datas = list(generated_case_data(GENERATED))
    sample = explained_sample()
    starts = range(0, GENERATED, BLOCK) if part is None else part_blocks(part)
    lines = []
    for start in starts:
        cases = [parse_case(d, pack) for d in datas[start:start + BLOCK]]
        checks = [sha256(as_stored(r.model_dump_json(indent=2) + "\n", pack)) for r in _reports(cases, pack)]
        lines.append(f"{start:05d} check {sha256(''.join(checks))}")
        explains = [sha256(as_stored(_explain_json(c, pack), pack))
                    for i, c in enumerate(cases, start) if i in sample]
        if explains:
            lines.append(f"{start:05d} explain {sha256(''.join(explains))}")
    return lines


# ---------------------------------------------------------------- writing

def _clear(folder: Path) -> None:
    if folder.exists():
        for old in sorted(folder.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def write_goldens(generated: bool = True) -> None:
    _clear(OUTPUTS)
    _clear(REASONING)
    digests = []
    for name, text in outputs():
        digests.append(f"{sha256(text)}  {name}\n")
        if READABLE.fullmatch(name):
            _write(OUTPUTS / name, text)
    _write(OUTPUT_DIGESTS, "".join(digests))
    for name, text in reasoning_files():
        _write(REASONING / name, text)
    if generated:
        _write(GENERATED_DIGESTS, "\n".join(digest_lines()) + "\n")
    also = f" and {GENERATED_DIGESTS.name}" if generated else ""
    print(f"wrote {len(digests)} output digests, {sum(1 for _ in OUTPUTS.rglob('*.*'))} outputs in full, "
          f"{sum(1 for _ in REASONING.iterdir())} reasoning files{also}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the golden outputs (see tests/golden/README.md).")
    parser.add_argument("--all", metavar="DIR", type=Path,
                        help="write every output in full into DIR (nothing under tests/golden changes)")
    parser.add_argument("--pack-hashes", action="store_true",
                        help="store the packs' current sha256 in pack-sha256.txt (every output naming a pack changes)")
    parser.add_argument("--no-generated", action="store_true",
                        help=f"leave {GENERATED_DIGESTS.name} as it is (the generated cases take a minute)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.all is not None:
        folder = args.all.resolve()  # the outputs are made from the repository folder
        for name, text in outputs():
            _write(folder / name, text)
        print(f"wrote every output under {args.all}; `cd {args.all} && sha256sum -c {OUTPUT_DIGESTS}` checks them")
        return
    if args.pack_hashes or not PACK_SHA256.exists():
        from cryoelig.rulepack.load import load_pack

        _write(PACK_SHA256, "".join(f"{p.sha256}\n" for p in hashed(load_pack())))
    write_goldens(generated=not args.no_generated)


if __name__ == "__main__":
    main()

"""The explanation golden in the form a reviewer reads: one file per rule, and one for the cases.

``cryoelig explain --format json`` gives, for one case, every rule of the pack with its reasoning
(result, clause tree with the case values, point text, missing fields), the rule's own data
(area, kind, factor, sources, file and line) and the whole report. Stored per case, one inserted
rule changed every case's file; stored here per rule, it adds one file.

What is kept: every field of ``explain --format json`` except ``report`` (the report has goldens of
its own: the Markdown and terminal reports, and the digest of ``check --format json``) and each
rule's ``file`` and ``line`` (they move when a rule is inserted above). ``parse_rule_file`` and
``parse_cases_file`` read the form back, and tests/test_golden.py checks that reading back what
``render_*`` wrote gives the JSON again: the form loses nothing else.

A rule file (``reasoning/<rule id>.txt``)::

    <what `cryoelig rules show <rule id>` prints>
    == reasoning: ...                     (the line REASONING_MARK starts)
    area: "kidney"                        (the rule's own fields, as JSON, the same for every case)
    ...

    case example-kidney-small             (the cases with this very reasoning, one a line)
    case scenario-kidney-3-9cm
      ✓ all of                            (the clause tree: ✓ met, ✗ not met, ? unknown)
        ✓ site == kidney · case: "kidney" (a clause, then the case value as JSON, or "not given")
        ✓ tumor.size_cm < 4 · case: 2.8
      text: "Kidney tumor of 2.8 cm, ..."   (the point's text, when the rule is met)
      missing: ["tumor.size_cm"]            (the fields that leave it unknown, when there are any)

The rule's result is its tree's top result (checked when writing). A clause's field is the first
word of its text, and a ``derived NAME`` clause reads the derived fact NAME (both checked).
"""

from __future__ import annotations

import json
from typing import Any

REASONING_MARK = "== reasoning:"
REASONING_HEADER = (f"{REASONING_MARK} `cryoelig explain --format json` for this rule on every stored case, without the"
                    " report and without file and line; cases with the same reasoning are listed together")
MARK = {"met": "✓", "not met": "✗", "unknown": "?"}
RESULT = {mark: word for word, mark in MARK.items()}
RULE_FIELDS = ("area", "kind", "factor", "factor_label", "derives", "sources", "places")  # the same for every case
CASE_FIELDS = ("result", "check", "text", "missing_fields")  # this rule on one case
DROPPED = ("file", "line")
TOP_FIELDS = ("site", "facts", "input_notes", "derived")  # per case, beside case_id, rules and report


class FormError(ValueError):
    """The explanation holds something this form cannot write back exactly: extend the form."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- writing

def _node_lines(node: dict[str, Any], indent: str) -> list[str]:
    op, text, mark = node["op"], node["text"], MARK[node["result"]]
    if op in ("all", "any"):
        group = (text, node["field"], node["value"], node["given"], node["derived"])
        if group != (f"{op} of", None, None, False, None):
            raise FormError(f"unexpected group {node}")
        lines = [f"{indent}{mark} {text}"]
        for item in node["items"]:
            lines += _node_lines(item, indent + "  ")
        return lines
    if op != "clause" or node["items"] or " · case: " in text:
        raise FormError(f"unexpected node {node}")
    if text.startswith("derived "):
        if (node["field"], node["given"], node["derived"]) != (None, True, text[len("derived "):]):
            raise FormError(f"unexpected derived clause {node}")
    elif node["derived"] is not None or node["field"] != text.split(" ")[0] or \
            (not node["given"] and node["value"] is not None):
        raise FormError(f"unexpected clause {node}")
    value = _dumps(node["value"]) if node["given"] else "not given"
    return [f"{indent}{mark} {text} · case: {value}"]


def _case_block(entry: dict[str, Any]) -> tuple[str, ...]:
    """The lines of one rule on one case, without the case's name."""
    if entry["result"] != entry["check"]["result"]:
        raise FormError(f"a rule's result is not its tree's: {entry}")
    lines = _node_lines(entry["check"], "  ")
    if entry["text"] is not None:
        lines.append(f"  text: {_dumps(entry['text'])}")
    if entry["missing_fields"]:
        lines.append(f"  missing: {_dumps(entry['missing_fields'])}")
    return tuple(lines)


def render_rule_file(shown: str, rule: str, entries: list[tuple[str, dict[str, Any]]]) -> str:
    """The rule file: ``rules show`` as printed, then the rule's reasoning on each (case, entry)."""
    first = entries[0][1]
    for case, entry in entries:
        if set(entry) != {"rule", *RULE_FIELDS, *CASE_FIELDS, *DROPPED} or entry["rule"] != rule:
            raise FormError(f"unexpected fields for {rule} on {case}: {sorted(entry)}")
        changed = [k for k in RULE_FIELDS if entry[k] != first[k]]
        if changed:
            raise FormError(f"{rule}: {changed} differ from case to case ({case})")
    groups: dict[tuple[str, ...], list[str]] = {}
    for case, entry in entries:
        groups.setdefault(_case_block(entry), []).append(case)
    lines = [REASONING_HEADER, *(f"{key}: {_dumps(first[key])}" for key in RULE_FIELDS)]
    for block, cases in groups.items():
        lines += ["", *(f"case {case}" for case in cases), *block]
    return shown + "\n".join(lines) + "\n"


def render_cases_file(explains: list[tuple[str, dict[str, Any]]]) -> str:
    """Per case, what the explanation says beside its rules and its report."""
    lines = ["# `cryoelig explain --format json` of each stored case: every field but `rules` (one file per rule",
             "# under reasoning/) and `report` (the reports have goldens of their own)"]
    for name, explain in explains:
        if set(explain) != {"case_id", *TOP_FIELDS, "rules", "report"}:
            raise FormError(f"unexpected fields in the explanation of {name}: {sorted(explain)}")
        lines += ["", f"case {name}: case_id {_dumps(explain['case_id'])}",
                  *(f"  {key}: {_dumps(explain[key])}" for key in TOP_FIELDS)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- reading back

def _parse_node(line: str) -> tuple[int, dict[str, Any]]:
    body = line.lstrip(" ")
    depth, (mark, _, rest) = len(line) - len(body), body.partition(" ")
    node: dict[str, Any] = {"op": "clause", "text": rest, "result": RESULT[mark], "field": None, "value": None,
                            "given": False, "derived": None, "items": []}
    if rest in ("all of", "any of"):
        node["op"] = rest[:3]
        return depth, node
    node["text"], _, value = rest.rpartition(" · case: ")
    node["given"] = value != "not given"
    node["value"] = json.loads(value) if node["given"] else None
    if node["text"].startswith("derived "):
        node["derived"] = node["text"][len("derived "):]
    else:
        node["field"] = node["text"].split(" ")[0]
    return depth, node


def _parse_block(lines: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"text": None, "missing_fields": []}
    stack: list[tuple[int, dict[str, Any]]] = []
    for line in lines:
        if line.startswith("  text: "):
            entry["text"] = json.loads(line[len("  text: "):])
        elif line.startswith("  missing: "):
            entry["missing_fields"] = json.loads(line[len("  missing: "):])
        else:
            depth, node = _parse_node(line)
            while stack and stack[-1][0] >= depth:
                stack.pop()
            if stack:
                stack[-1][1]["items"].append(node)
            else:
                entry["check"] = node
            stack.append((depth, node))
    entry["result"] = entry["check"]["result"]
    return entry


def parse_rule_file(text: str) -> tuple[str, dict[str, Any], dict[str, dict[str, Any]]]:
    """(what `rules show` printed, the rule's own fields, {case: the rule's fields on that case})."""
    shown, mark, rest = text.partition(REASONING_MARK)
    blocks = rest.split("\n\n")
    own = dict(line.split(": ", 1) for line in blocks[0].splitlines()[1:])
    fields = {key: json.loads(value) for key, value in own.items()}
    per_case: dict[str, dict[str, Any]] = {}
    for block in blocks[1:]:
        lines = block.rstrip("\n").splitlines()
        cases = [line[len("case "):] for line in lines if line.startswith("case ")]
        entry = _parse_block(lines[len(cases):])
        per_case.update({case: entry for case in cases})
    return shown, fields, per_case


def parse_cases_file(text: str) -> dict[str, dict[str, Any]]:
    """{case name: every field of its explanation but rules and report}."""
    out: dict[str, dict[str, Any]] = {}
    for block in text.split("\n\n")[1:]:
        head, *lines = block.rstrip("\n").splitlines()
        name, _, case_id = head[len("case "):].partition(": case_id ")
        out[name] = {"case_id": json.loads(case_id)}
        out[name].update({k: json.loads(v) for k, v in (line.strip().split(": ", 1) for line in lines)})
    return out


def explanation_without_report(explain: dict[str, Any]) -> dict[str, Any]:
    """The explanation the form keeps: no report, no rule file and line."""
    kept = {k: v for k, v in explain.items() if k != "report"}
    kept["rules"] = [{k: v for k, v in rule.items() if k not in DROPPED} for rule in explain["rules"]]
    return kept

"""The rule engine: the pack compiled to durable_rules, cases evaluated as facts.

The only module that imports durable_rules. Why it drives the engine's own layer
(``durable_rules_engine``) rather than ``durable.lang``: the public API runs one Python
action per firing through a JSON round-trip of the whole state, which measured ~6% of plain
Python. Here no Python action runs inside the engine at all: each rule is compiled once,
cases are asserted as facts in batches under one session id (each fact tagged with an
internal case number), and the matches are read back with ``start_action_for_state`` /
``complete_and_start_action``. So nothing can be swallowed inside an action, and what fired
is recorded by this module, not by the engine.

Traps handled here (see ../shared/design/engine-notes.md):
- facts, never events (an event fires one rule only);
- every compiled rule starts with the discriminator ``kind == 'case'`` (a rule whose only
  condition is a negation would hang);
- one live session id at a time, deleted after its cases are read (the 1,025th live id
  raises a MemoryError that poisons the ruleset: on MemoryError the ruleset is rebuilt);
- a fact that no rule matches makes ``assert_facts`` return code 1
  (``MessageNotHandledException`` in the public API) while the other facts' matches are
  still queued: the code is accepted and the queue read at once, so nothing is deferred;
- duplicate activations are collapsed into one fired rule id per case;
- derived facts (chaining) are asserted back into the same session, tagged with the case
  number, and rules that read them join on that number;
- a pack with published scales reads their totals as computed facts: they are added to each
  case's facts here exactly as the Python evaluation adds them (``Pack.scorer``);
- a float written with an exponent (Python writes ``9e-05`` below 0.0001 and from 1e16 up)
  crashes the engine's C parser (segmentation fault) or silently matches nothing: every number
  in the compiled ruleset and in the facts is written in plain decimals (``plain_json``),
  whatever the case contract lets through; a number that is not finite is refused here.

Threads: durable_rules is not thread-safe (a ruleset shared by threads gave ERR_NODE_DELETED
on 4 of 40,000 cases). Each Engine therefore runs its sessions under its own lock: one thread
at a time asserts, reads and deletes a session on the ruleset. A lock rather than one engine
per thread because the C calls hold the GIL anyway (threads could not run them side by side),
and one compiled ruleset per pack and process keeps memory bounded however many threads a
service starts. After ``fork`` the child gets fresh locks (a lock held by another thread of
the parent would never be released there).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import shlex
import sys
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .conditions import Leaf, derived_refs, durable_fact, to_durable
from .errors import CryoeligError
from .packmodel import Pack, Rule

ENGINE_DIST = "durable-rules"
ENGINE_PIN = "2.0.28"
# Python 3.13 removed PyEval_CallObject, which durable-rules 2.0.28's C code calls; the two
# calls take the same arguments, so on 3.13 and later the engine is built with this define.
PY313_DEFINE = "-DPyEval_CallObject=PyObject_CallObject"


class EngineUnavailableError(CryoeligError):
    """durable_rules cannot be imported. Why an error and not a fall-back to the Python
    evaluator: the engine decides which rules fire, so running without it would change results
    without saying so."""


def unavailable_message(error: ImportError, version: tuple[int, ...] = tuple(sys.version_info[:3]),
                        python_path: str = sys.executable) -> str:
    """One line: what failed, on which Python, and the command that repairs it for this very Python."""
    python = ".".join(map(str, version))
    text = str(error).strip()
    detail = text.splitlines()[0].rsplit(".so: ", 1)[-1] if text else type(error).__name__
    if isinstance(error, ModuleNotFoundError) and error.name == "durable_rules_engine":
        what = f"the rule engine ({ENGINE_DIST} {ENGINE_PIN}) is not installed for Python {python}"
    else:
        what = f"the rule engine ({ENGINE_DIST} {ENGINE_PIN}) cannot be loaded on Python {python} ({detail})"
    flags = f'CPPFLAGS="{PY313_DEFINE}" ' if version[:2] >= (3, 13) else ""
    fix = (f"set it up again with `python3 scripts/install.py --fresh` in the cryoelig folder, or "
           f"`{flags}{shlex.quote(python_path)} -m pip install --no-cache-dir --force-reinstall "
           f"{ENGINE_DIST}=={ENGINE_PIN}`")
    if version[:2] > (3, 13):
        fix += " (cryoelig is tested on Python 3.11 to 3.13)"
    return f"{what}: {fix}"


try:
    import durable_rules_engine as _dre
except ImportError as _error:
    raise EngineUnavailableError(unavailable_message(_error)) from None

_NOT_HANDLED = 1
_ALREADY_OBSERVED = 2
_ruleset_names = itertools.count()
_session_ids = itertools.count()


class EngineError(RuntimeError):
    """durable_rules answered in a way this module does not expect: a bug, never the user's."""


def _plain_float(value: float) -> str:
    if not math.isfinite(value):
        raise EngineError("a number that is not finite cannot be given to the rule engine")
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


#: A digit, e or E, a digit: how every exponent in JSON text looks (a name like "r1e2" only costs the slow path).
_EXPONENT = re.compile(r"[0-9][eE][-+]?[0-9]")


def _needs_plain(value: Any) -> bool:
    """A float whose repr has an exponent (or is not finite): json.dumps would write it as such."""
    return type(value) is float and not (value == 0.0 or 1e-4 <= abs(value) < 1e16)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, float):
        out.append(_plain_float(value))
    else:
        out.append(json.dumps(value))


def plain_json(value: Any) -> str:
    """JSON text for durable_rules: like ``json.dumps``, but every float in plain decimals (``0.00009``,
    never ``9e-05``). Fast path: ``json.dumps``, kept when its text shows no exponent (nearly always)."""
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:  # NaN or infinity: _plain_float says so
        text = "e1"
    if not _EXPONENT.search(text):
        return text
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def _facts_json(facts: list[dict[str, Any]]) -> str:
    """The facts of a session (flat mappings): a scan of their values is cheaper than searching the text."""
    if any(_needs_plain(v) for fact in facts for v in fact.values()):
        return plain_json(facts)
    return json.dumps(facts)


def _case_part(rule: Rule) -> dict[str, Any]:
    """The rule's condition without its derived leaves, behind the case discriminator."""
    cond = rule.condition
    if isinstance(cond, Leaf):
        items = [] if cond.op == "derived" else [cond]
    elif cond.op == "all":
        items = [i for i in cond.items if not (isinstance(i, Leaf) and i.op == "derived")]
    else:
        items = [cond]
    return {"$and": [{"kind": "case"}, *(to_durable(i) for i in items)]}


def compile_rule(rule: Rule) -> dict[str, Any]:
    """One pack rule as a durable_rules rule definition (JSON-ready)."""
    refs = derived_refs(rule.condition)
    if not refs:
        return {"all": [{"m": _case_part(rule)}]}
    parts: list[dict[str, Any]] = [{"c": _case_part(rule)}]
    for i, name in enumerate(refs):
        parts.append({f"d{i}": {"$and": [{"kind": "derived"}, {"name": name}, {"cid": {"c": "cid"}}]}})
    return {"all": parts}


def _match_of(message: str) -> tuple[str, int]:
    """The rule name and case number of one match (``{"r12":{"m":{..., "cid": 3, ...}}}``), read without
    decoding the message: a match echoes the whole case fact, and ``json.loads`` of it was 38% of the
    engine's time (perf-notes.md). The first ``"cid":`` is the matched fact's own: every key before it
    is a fact key made of schema field names (``conditions.fact_key``) and every value a validated
    token, number or yes/no, never user text (a quote inside a JSON string is escaped). Anything
    unexpected is decoded in full."""
    end = message.find('"', 2)
    at = message.find('"cid":', end)
    if message.startswith('{"r') and end > 0 and at > 0:
        digits = message[at + 6:at + 20].lstrip(" ")
        n = 0
        while n < len(digits) and digits[n].isdigit():
            n += 1
        if n and digits[n:n + 1] in (",", "}"):
            return message[2:end], int(digits[:n])
    (name, match), = json.loads(message).items()
    return name, (match.get("m") or match["c"])["cid"]


class Engine:
    """A pack compiled once; evaluates many cases per session and returns fired rule ids."""

    def __init__(self, pack: Pack, cases_per_session: int = 250):
        self.pack = pack
        self.cases_per_session = cases_per_session
        self._names = [f"r{i}" for i in range(len(pack.rules))]
        self._rule_of = {name: rule for name, rule in zip(self._names, pack.rules, strict=True)}
        self._derives = {name: rule.spec.derives for name, rule in self._rule_of.items() if rule.spec.derives}
        self.definition = {name: compile_rule(rule) for name, rule in self._rule_of.items()}
        self._lock = threading.Lock()
        self._handle = self._create()

    def _create(self) -> int:
        return _dre.create_ruleset(f"cryoelig{next(_ruleset_names)}", plain_json(self.definition))

    def fire(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """Rule ids that fire for one case's facts."""
        return self.fire_many([facts])[0]

    def fire_many(self, cases: Sequence[Mapping[str, Any]]) -> list[frozenset[str]]:
        """Rule ids that fire for each case, in input order; batches cases per session."""
        out: list[frozenset[str]] = []
        size = self.cases_per_session
        for start in range(0, len(cases), size):
            chunk = cases[start:start + size]
            with self._lock:
                try:
                    out.extend(self._session(chunk))
                except MemoryError:
                    # The engine's session table is poisoned: rebuild the ruleset once and retry.
                    self._handle = self._create()
                    out.extend(self._session(chunk))
        return out

    def _session(self, chunk: Sequence[Mapping[str, Any]]) -> list[frozenset[str]]:
        sid = f"s{next(_session_ids)}"
        fired: list[set[str]] = [set() for _ in chunk]
        pending: list[dict[str, Any]] = []
        with_totals = self.pack.scorer.with_totals
        for cid, facts in enumerate(chunk):
            fact = durable_fact(with_totals(facts))  # the published scales' known totals, as facts
            fact["kind"] = "case"
            fact["cid"] = cid
            fact["sid"] = sid
            pending.append(fact)
        asserted_derived: set[tuple[int, str]] = set()
        try:
            while pending:
                code, state = _dre.assert_facts(self._handle, _facts_json(pending))
                if code not in (0, _NOT_HANDLED):
                    raise EngineError(f"assert_facts returned code {code}")
                pending = []
                result = _dre.start_action_for_state(self._handle, state)
                message = result[1] if result else None
                while message:
                    name, cid = _match_of(message)
                    rule_id = self._rule_of[name].id
                    if rule_id not in fired[cid]:
                        fired[cid].add(rule_id)
                        derived = self._derives.get(name)
                        if derived and (cid, derived) not in asserted_derived:
                            asserted_derived.add((cid, derived))
                            pending.append({"kind": "derived", "name": derived, "cid": cid, "sid": sid})
                    message = _dre.complete_and_start_action(self._handle, state)
        finally:
            _dre.delete_state(self._handle, sid)
        return [frozenset(f) for f in fired]


_engines: dict[tuple[str, str], Engine] = {}
_engines_lock = threading.Lock()


def engine_for(pack: Pack) -> Engine:
    """The compiled engine for a pack, built once per process and shared by its threads."""
    key = (str(pack.directory), pack.sha256)
    engine = _engines.get(key)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _engines[key] = Engine(pack)
    return engine


def _fresh_locks_after_fork() -> None:
    global _engines_lock
    _engines_lock = threading.Lock()
    for engine in _engines.values():
        engine._lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_locks_after_fork)

__all__ = ["Engine", "EngineError", "EngineUnavailableError", "compile_rule", "engine_for", "plain_json"]

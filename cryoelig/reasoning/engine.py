"""The rule engine: the pack compiled to durable_rules, cases evaluated as facts.

The only module that imports durable_rules. Why it drives the engine's own layer
(``durable_rules_engine``) rather than ``durable.lang``: the public API runs one Python
action per firing through a JSON round-trip of the whole state, which measured ~6% of plain
Python. Here no Python action runs inside the engine at all: each rule is compiled once,
cases are asserted as facts in batches under one session id (each fact tagged with an
internal case number), and the matches are read back with ``start_action_for_state`` /
``complete_and_start_action``. So nothing can be swallowed inside an action, and what fired
is recorded by this module, not by the engine.

Traps handled here (measured; the table in docs/architecture.md, "The rule engine"):
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
- a pack with published scales reads their totals as computed facts: each case's facts come with
  them (``casefacts.CaseFacts``, made once per case and read by the Python evaluation too), or
  they are added here the same way (``casefacts.case_facts``);
- a float written with an exponent (Python writes ``9e-05`` below 0.0001 and from 1e16 up)
  crashes the engine's C parser (segmentation fault) or silently matches nothing: every number
  in the compiled ruleset and in the facts is written in plain decimals (``enginefacts``),
  whatever the case contract lets through; a number that is not finite is refused there.
- each case is sent with only the keys some compiled rule reads, written straight to JSON text
  (``enginefacts.FactWriter``): keys no rule reads cannot change a match, but the engine parses
  them and echoes them in every match.

Threads: durable_rules is not thread-safe (a ruleset shared by threads gave ERR_NODE_DELETED
on 4 of 40,000 cases). Each Engine therefore runs its sessions under its own lock: one thread
at a time asserts, reads and deletes a session on the ruleset. A lock rather than one engine
per thread because the C calls hold the GIL anyway (threads could not run them side by side),
and one compiled ruleset per pack and process keeps memory bounded however many threads a
service starts. After ``fork`` the child gets fresh locks (a lock held by another thread of
the parent would never be released there).

One engine per pack (``engine_for``), kept with the pack's other per-pack state
(``cryoelig.reasoning.memo.PerPack``): it goes when the pack goes, and its compiled ruleset is
deleted from durable_rules then. An engine holds the pack's rules, never the pack.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import sys
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import CryoeligError
from ..rulepack.conditions import Leaf, derived_refs, to_durable
from ..rulepack.packmodel import Pack, Rule
from .casefacts import CaseFacts, case_facts
from .enginefacts import EngineError, FactWriter, keys_read, plain_json
from .memo import PerPack

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


#: The start of a match as the engine writes it, the matched fact's ``cid`` being its first key:
#: ``{"r12":{"m":{"cid": 3, ...`` (or ``"c"``, ``"d0"``: a join's facts all carry the same cid).
_MATCH_HEAD = re.compile(r'\{"(r[0-9]+)":\{"[a-z0-9]+":\{"cid": ?([0-9]+)[,}]')


def _match_of(message: str) -> tuple[str, int]:
    """The rule name and case number of one match, read from its first characters without decoding it:
    a match echoes the whole fact, and ``json.loads`` of it was 38% of the engine's time
    (docs/scaling.md, "What bounds the per-core rate"). Every fact this module asserts has ``cid`` as its
    first key. Anything else is decoded in full."""
    head = _MATCH_HEAD.match(message)
    if head:
        return head[1], int(head[2])
    (name, match), = json.loads(message).items()
    return name, (match.get("m") or match["c"])["cid"]


#: Cases per engine session: the same instructions per case from 50 to 250, but the engine copies its
#: session's state as matches come, and a smaller state stays in the processor's caches: 18.0 us per case
#: at 64 against 19.9 at 250 (bench/bench_engine_step.py -n 10000 --sessions 250 128 64 32).
CASES_PER_SESSION = 64


class Engine:
    """A pack compiled once; evaluates many cases per session and returns fired rule ids."""

    def __init__(self, pack: Pack, cases_per_session: int = CASES_PER_SESSION):
        self._pack = weakref.ref(pack)  # for plain facts' totals; a strong reference would keep the pack
        self.cases_per_session = cases_per_session
        self._names = [f"r{i}" for i in range(len(pack.rules))]
        self._rule_of = {name: rule for name, rule in zip(self._names, pack.rules, strict=True)}
        self._id_of = {name: rule.id for name, rule in self._rule_of.items()}
        self._derives = {name: rule.spec.derives for name, rule in self._rule_of.items() if rule.spec.derives}
        self.definition = {name: compile_rule(rule) for name, rule in self._rule_of.items()}
        self._writer = FactWriter(keys_read([e for d in self.definition.values() for p in d["all"]
                                             for e in p.values()]))
        self._lock = threading.Lock()
        self._handles: list[int] = []  # every ruleset made, deleted when the engine goes
        weakref.finalize(self, _delete_rulesets, self._handles).atexit = False
        self._handle = self._create()

    def _create(self) -> int:
        handle = _dre.create_ruleset(f"cryoelig{next(_ruleset_names)}", plain_json(self.definition))
        self._handles.append(handle)
        return handle

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
        pending = self._case_facts(chunk, sid)
        fired: list[set[str]] = [set() for _ in chunk]
        id_of = self._id_of
        asserted_derived: set[tuple[int, str]] = set()
        try:
            while pending:
                code, state = _dre.assert_facts(self._handle, "[" + ",".join(pending) + "]")
                if code not in (0, _NOT_HANDLED):
                    raise EngineError(f"assert_facts returned code {code}")
                pending = []
                result = _dre.start_action_for_state(self._handle, state)
                message = result[1] if result else None
                while message:
                    name, cid = _match_of(message)
                    rule_id = id_of[name]
                    if rule_id not in fired[cid]:
                        fired[cid].add(rule_id)
                        derived = self._derives.get(name)
                        if derived and (cid, derived) not in asserted_derived:
                            asserted_derived.add((cid, derived))
                            pending.append(json.dumps({"cid": cid, "kind": "derived", "name": derived, "sid": sid}))
                    message = _dre.complete_and_start_action(self._handle, state)
        finally:
            _dre.delete_state(self._handle, sid)
        return [frozenset(f) for f in fired]

    def _case_facts(self, chunk: Sequence[Mapping[str, Any]], sid: str) -> list[str]:
        """One engine fact per case as JSON text, ``cid`` first (``_match_of`` reads it there), with the
        published scales' known totals: a CaseFacts as it is, plain facts with them added."""
        write = self._writer.write
        return [write(case if type(case) is CaseFacts else self._with_totals(case),
                      f'{{"cid": {cid}, "kind": "case", "sid": "{sid}"') for cid, case in enumerate(chunk)]

    def _with_totals(self, facts: Mapping[str, Any]) -> CaseFacts:
        pack = self._pack()
        if pack is None:
            raise EngineError("the engine's pack is gone: the published scales' totals cannot be added")
        return case_facts(pack, facts)


def _delete_rulesets(handles: list[int]) -> None:
    for handle in handles:
        _dre.delete_ruleset(handle)


_engines = PerPack(Engine)


def engine_for(pack: Pack) -> Engine:
    """The compiled engine for a pack, built once per pack and shared by the process's threads."""
    return _engines.get(pack)


def _fresh_locks_after_fork() -> None:
    for engine in _engines.values():
        engine._lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_locks_after_fork)

__all__ = ["Engine", "EngineError", "EngineUnavailableError", "compile_rule", "engine_for", "plain_json"]

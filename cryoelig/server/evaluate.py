"""The one place the server evaluates a case: today through ``report.build_reports``.

Why one function behind a lock: durable_rules is not thread-safe (one host shared by threads
gave wrong results), and request handlers may run in threads. When the evaluation facade
(``cryoelig.review.review``) lands, ``report_for`` becomes ``review(case, pack).report``: a
one-line change here, and the facade takes over the engine's safety.
"""

from __future__ import annotations

import math
import threading

from ..case import Case
from ..report import Report, build_reports
from ..rulepack import Pack

_engine_lock = threading.Lock()


def _engine_safe(case: Case) -> bool:
    """False when a fact is a float durable_rules' C parser cannot take (exponent notation:
    below 1e-4 or from 1e16 a repr uses one, and the parser crashes the process). Such a case
    is decided by the Python evaluator alone, which the engine is tested to agree with."""
    for value in case.facts().values():
        if isinstance(value, float) and (not math.isfinite(value) or "e" in repr(value)):
            return False
    return True


def report_for(case: Case, pack: Pack) -> Report:
    """The Report of one case (the engine decides, the Python evaluator explains and cross-checks)."""
    with _engine_lock:
        return build_reports([case], pack, use_engine=_engine_safe(case))[0]


def explanation_for(case: Case, pack: Pack):  # noqa: ANN201 - explain.CaseExplanation
    """The rule-by-rule explanation of one case (it builds its Report through the engine too)."""
    from ..explain import explain_case

    with _engine_lock:
        return explain_case(case, pack, use_engine=_engine_safe(case))

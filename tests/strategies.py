"""Hypothesis strategies for valid de-identified cases (every field present or unknown)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from cryoelig.case import case_fields
from cryoelig.defaultpack import default_site_ids

_SIZES = st.one_of(
    st.sampled_from([0.5, 1.0, 2.5, 3.9, 3.99, 4.0, 4.01, 5.0, 12.0]),
    st.floats(min_value=0.1, max_value=50, allow_nan=False).map(lambda x: round(x, 2)),
)


def _value(name: str, spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    if name == "tumor.size_cm":
        return _SIZES
    if name == "site":
        return st.sampled_from(default_site_ids())
    if name == "tumor.count":
        return st.integers(min_value=1, max_value=6)
    if name == "symptoms.pain_score":
        return st.integers(min_value=0, max_value=10)
    if name == "ecog":  # given with or without overall_health, agreeing or not (issue 9)
        return st.integers(min_value=0, max_value=4)
    if spec["type"] == "list":
        return st.lists(st.sampled_from(spec["values"]), max_size=3, unique=True)
    return st.sampled_from(spec["values"])


@st.composite
def case_data(draw: st.DrawFn, case_id: str | None = None) -> dict[str, Any]:
    """Nested case data; each optional field is given or left unknown at random."""
    data: dict[str, Any] = {
        "case_id": case_id or draw(st.from_regex(r"[a-z]{1,4}-[0-9]{1,5}", fullmatch=True)),
    }
    for name, spec in case_fields().items():
        if name != "site" and not draw(st.booleans()):
            continue
        value = draw(_value(name, spec))
        parts = name.split(".")
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return data

"""Hypothesis strategies for valid de-identified cases (every field present or unknown)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from cryoelig.case.contract import case_fields
from cryoelig.rulepack.load import load_pack

_SIZES = st.one_of(
    st.sampled_from([0.5, 1.0, 2.5, 3.9, 3.99, 4.0, 4.01, 5.0, 12.0]),
    st.floats(min_value=0.1, max_value=50, allow_nan=False).map(lambda x: round(x, 2)),
)


def _near(points: list[float], low: float, high: float, digits: int) -> st.SearchStrategy[float]:
    """The thresholds the scales compare and the values just around them, or any value in range."""
    return st.one_of(st.sampled_from(points),
                     st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda x: round(x, digits)))


#: Number fields of the published scales: whole-number ranges, or values at and around their thresholds.
_SCALE_NUMBERS: dict[str, st.SearchStrategy[Any]] = {
    "kps": st.integers(min_value=1, max_value=10).map(lambda x: x * 10),
    "symptoms.worst_pain_last_day": st.integers(min_value=0, max_value=10),
    "mirels.total": st.integers(min_value=4, max_value=12),
    "sins.total": st.integers(min_value=0, max_value=18),
    "renal.total": st.integers(min_value=4, max_value=12),
    "renal.nearness_mm": _near([0, 2.5, 3.99, 4, 4.01, 5, 6.99, 7, 7.01, 12], 0, 200, 2),
    "labs.inr": _near([0.9, 1.49, 1.5, 1.51, 1.79, 1.8, 1.81, 3.0], 0.5, 20, 2),
    "labs.platelets": _near([10, 49.9, 49.99, 50, 50.01, 150, 420], 0, 5000, 2),
}
#: A total is given only when none of its scale's components is (a total beside components must add up).
_TOTALS = {"mirels.total": "mirels.", "sins.total": "sins.", "renal.total": "renal."}


def _value(name: str, spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    if name in _SCALE_NUMBERS:
        return _SCALE_NUMBERS[name]
    if name == "tumor.size_cm":
        return _SIZES
    if name == "site":
        return st.sampled_from(load_pack().site_ids)
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
    for prefix in _TOTALS.values():
        group = data.get(prefix[:-1], {})
        if "total" in group and (len(group) > 1 or (prefix == "renal." and "size_cm" in data.get("tumor", {}))):
            del group["total"]
    return data

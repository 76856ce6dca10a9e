"""schemathesis against the live service's OpenAPI document: no 5xx, a bounded, derandomized run.

Why driven by hand and not with ``schemathesis.pytest``: its fixture integration does not run
on the installed pytest; the operations and their Hypothesis strategies are the same.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

EXAMPLES_PER_OPERATION = 25


def test_no_server_error_on_any_operation(live_server):
    schema = schemathesis.openapi.from_url(live_server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    seen: dict[str, set[int]] = {}
    media: set[str | None] = set()
    for operation in operations:

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call(timeout=30)
            seen.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)
            media.add(getattr(case, "media_type", None))
            assert response.status_code < 500, (case.method, case.path, response.status_code)
            assert "Traceback" not in response.text

        run()
    assert "POST /api/v1/check" in seen and "POST /cds-services/{service_id}" in seen
    assert {"application/json", "application/yaml"} <= media  # case bodies were sent in both syntaxes
    assert "Traceback" not in live_server.log_text()

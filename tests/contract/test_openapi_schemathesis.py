"""Schemathesis drives every GET route of the OpenAPI schema with a viewer key: no input may yield a 5xx, and
every 200 body must match the documented response model (routes serve pre-encoded JSON, so this is where their
shapes are checked against the schema).

The schema is loaded from the app in-process (ASGI). Each operation gets a Hypothesis run of valid inputs and one
of invalid inputs; displacement routes also run with their path pinned to a stored run, so that the generated
filters reach the queries.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = 20


def _check(operation: Any, mode: GenerationMode, headers: dict[str, str], path: dict[str, str] | None) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def no_server_error(case: Any) -> None:
        if case.path.endswith("/events"):
            case.path_parameters = {"job_id": "0" * 16}  # an unknown job: 404 at once, not a stream
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}: {response.text[:300]}"
        )
        if response.status_code == 200:  # the body matches the documented response model
            case.validate_response(response, checks=[response_schema_conformance], headers=headers)

    no_server_error()


def test_no_get_route_fails_with_a_server_error(contract_api: tuple[Any, str, str]) -> None:
    app, key, run_id = contract_api
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {key}"}
    pinned = {"run_id": run_id, "network_id": "burundi2015"}
    checked = []
    for result in schema.include(method="GET").get_all_operations():
        operation = result.ok()
        names = {parameter.name for parameter in operation.path_parameters}
        has_inputs = bool(names) or any(True for _ in operation.query)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_inputs else (GenerationMode.POSITIVE,):
            _check(operation, mode, headers, None)
        if operation.path.startswith("/api/displacement/") and names:
            _check(operation, GenerationMode.POSITIVE, headers, {name: pinned[name] for name in names})
        checked.append(operation.path)
    assert "/api/areas" in checked
    assert "/api/displacement/runs/{run_id}/arrivals" in checked
    assert len(checked) >= 20

"""The OpenAPI document of the JSON API: valid, complete, true to the answers, and fuzzed (Schemathesis)."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from roadmap.services.directory import api_tokens
from roadmap.services.survey import steps
from tests.conftest import isolated
from tests.test_api import bearer, published  # noqa: F401  (fixtures)
from tests.test_review import submitted  # noqa: F401  (a fixture)

OPENAPI_URL = "/api/v1/openapi.json"


def _document(app) -> dict:
    response = isolated(app.test_client(use_cookies=False).get, OPENAPI_URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_the_document_is_valid_and_describes_every_api_route(app):
    document = _document(app)
    validate(document)  # raises on any departure from OpenAPI 3.1
    assert document["openapi"].startswith("3.1")
    routes = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == described
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == app.config["SESSION_COOKIE_NAME"]


def _validator(document: dict, response_spec: dict) -> Draft202012Validator:
    schema = response_spec["content"]["application/json"]["schema"]
    root = {**schema, "components": document["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_real_answers_match_their_schemas(app, world, published):  # noqa: F811
    document = _document(app)
    draft = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    secret = api_tokens.create(world.admin, "schemas").secret
    client = app.test_client(use_cookies=False)
    calls = [
        ("/api/v1/assessments", "/api/v1/assessments", 200),
        ("/api/v1/assessments", "/api/v1/assessments?status=nope", 400),
        ("/api/v1/assessments/{assessment_id}", f"/api/v1/assessments/{published.id}", 200),
        ("/api/v1/assessments/{assessment_id}", f"/api/v1/assessments/{draft.id}", 200),
        ("/api/v1/assessments/{assessment_id}", "/api/v1/assessments/999999", 404),
        ("/api/v1/assessments/{assessment_id}/scores", f"/api/v1/assessments/{published.id}/scores", 200),
        ("/api/v1/assessments/{assessment_id}/scores", f"/api/v1/assessments/{draft.id}/scores", 200),
        ("/api/v1/assessments/{assessment_id}/roadmap", f"/api/v1/assessments/{published.id}/roadmap", 200),
        ("/api/v1/assessments/{assessment_id}/roadmap", f"/api/v1/assessments/{draft.id}/roadmap", 404),
        ("/api/v1/assessments/{assessment_id}/progress", f"/api/v1/assessments/{published.id}/progress", 200),
        ("/api/v1/assessments/{assessment_id}/progress", f"/api/v1/assessments/{draft.id}/progress", 200),
    ]
    for path, url, status in calls:
        response = isolated(client.get, url, headers=bearer(secret))
        assert response.status_code == status, url
        spec = document["paths"][path]["get"]["responses"][str(status)]
        errors = [e.message for e in _validator(document, spec).iter_errors(response.get_json())]
        assert errors == [], url
    refused = isolated(client.get, "/api/v1/assessments", headers={"Authorization": "Bearer nope"})
    spec = document["paths"]["/api/v1/assessments"]["get"]["responses"]["401"]
    assert list(_validator(document, spec).iter_errors(refused.get_json())) == []


def excluded(case) -> list:
    """Checks that do not apply to an operation. Verifying a report takes any bytes (the schema can say no
    more than "binary"), and bytes that are not a signed PDF are the caller's error, answered 400 with its
    reason: schemathesis's "schema-valid data is accepted" cannot hold there."""
    return [positive_data_acceptance] if case.path == "/api/v1/reports/verify" else []


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_server_error_and_no_departure_from_the_document(app, world, published, mode):  # noqa: F811
    """Part of issue 9's fuzzing: every operation, valid and invalid input, with a valid token; the default
    checks (no server error, status codes, content types and bodies as documented, refused bad input,
    refused missing credentials) must all hold."""
    secret = api_tokens.create(world.admin, "fuzz").secret
    schema = schemathesis.openapi.from_wsgi(OPENAPI_URL, app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the document's own address; every data operation is fuzzed.
    assert {operation.path for operation in operations} == {
        "/api/v1/assessments",
        "/api/v1/assessments/{assessment_id}",
        "/api/v1/assessments/{assessment_id}/scores",
        "/api/v1/assessments/{assessment_id}/roadmap",
        "/api/v1/reports/verify",
        "/api/v1/assessments/{assessment_id}/progress",
    }
    for operation in operations:

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=bool(os.environ.get("CI")),  # CI replays the same examples; a developer explores
        )
        @given(case=operation.as_strategy(mode))
        def check(case):
            headers = bearer(secret)
            response = isolated(case.call, headers=headers)
            assert response.status_code < 500, (case.path, case.path_parameters, case.query)
            case.validate_response(response, headers=headers, excluded_checks=excluded(case))

        check()

"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Written by hand, next to the views (roadmap.web.api); a test checks that it is a valid document, that every
/api route of the URL map is in it, and that real answers match its schemas.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from roadmap.models import AssessmentStatus, OfficeKind, TrackingStatus
from roadmap.services.reporting.verification import VERDICTS
from roadmap.web.guard import MAX_ID

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"


def _nullable(schema_type: str, **extra: Any) -> dict[str, Any]:
    return {"type": [schema_type, "null"], **extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


LOCAL_TEXT = {
    "type": "object",
    "description": "A text in each language of the service (Vietnamese `vi`, English `en`).",
    "properties": {"vi": {"type": "string"}, "en": {"type": "string"}},
    "additionalProperties": {"type": "string"},
}

DATE_TIME = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "For programs: unauthenticated, malformed_authorization, "
                        "wrong_token_prefix, unknown_token, revoked_token, expired_token, inactive_account, "
                        "password_change_required, invalid_parameter, not_found, no_roadmap, "
                        "method_not_allowed, server_error …",
                    },
                    "message": {"type": "string", "description": "For people, in the caller's language."},
                    "error_id": {"type": "string", "description": "On server errors: the id in the log."},
                },
            }
        },
    },
    "LocalText": LOCAL_TEXT,
    "SignatureFinding": {
        "type": "object",
        "required": ["field", "role", "signer", "verdict", "reason", "intact", "chain"],
        "properties": {
            "field": {"type": "string", "description": "The signature field: Signatory, IssuingBody, …"},
            "role": {"type": "string", "enum": ["signatory", "body", ""]},
            "signer": {"type": "string", "description": "The signing certificate's subject."},
            "serial": {"type": "string", "description": "The certificate's serial number (hex)."},
            "signed_at": _nullable("string", format="date-time"),
            "chain": {"type": "array", "items": {"type": "string"}, "description": "Signer first."},
            "trust_anchor": _nullable("string"),
            "verdict": {"type": "string", "enum": list(VERDICTS)},
            "reason": {"type": "string", "description": "The verdict in the caller's language."},
            "intact": {"type": "boolean"},
            "cryptographically_valid": {"type": "boolean"},
            "covers_whole_file": {"type": "boolean"},
            "revocation_checked": {"type": "boolean"},
            "revoked_at": _nullable("string", format="date-time"),
        },
    },
    "Verification": {
        "type": "object",
        "required": ["verdict", "valid", "reason", "signatures"],
        "properties": {
            "verdict": {"type": "string", "enum": list(VERDICTS), "description": "The worst signature's."},
            "valid": {"type": "boolean"},
            "reason": {"type": "string", "description": "The verdict in the caller's language."},
            "signatures": {"type": "array", "items": _ref("SignatureFinding")},
        },
    },
    "Office": {
        "type": "object",
        "required": ["id", "code", "name", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": _ref("LocalText"),
            "kind": {"type": "string", "enum": [kind.value for kind in OfficeKind]},
        },
    },
    "Cycle": {
        "type": "object",
        "required": ["id", "code", "name", "opens_on", "closes_on", "status"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": _ref("LocalText"),
            "opens_on": {"type": "string", "format": "date"},
            "closes_on": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": ["open", "closed"]},
        },
    },
    "AssessmentSummary": {
        "type": "object",
        "required": ["id", "status", "office", "cycle", "framework", "created_at", "updated_at", "links"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": [status.value for status in AssessmentStatus]},
            "office": _ref("Office"),
            "cycle": _ref("Cycle"),
            "framework": {
                "type": "object",
                "required": ["key", "version", "fingerprint"],
                "properties": {
                    "key": {"type": "string"},
                    "version": {"type": "string"},
                    "fingerprint": {"type": "string"},
                },
            },
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
            "submitted_at": _nullable("string", format="date-time"),
            "links": {
                "type": "object",
                "required": ["self", "scores", "roadmap"],
                "properties": {
                    "self": {"type": "string"},
                    "scores": {"type": "string"},
                    "roadmap": {"type": "string"},
                },
            },
        },
    },
    "AssessmentList": {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref("AssessmentSummary")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "Answer": {
        "type": "object",
        "required": ["question", "dimension", "state", "value", "to_confirm", "updated_at"],
        "properties": {
            "question": {"type": "string"},
            "dimension": _nullable("string"),
            "state": {"type": "string", "enum": ["answered", "na", "dont_know"]},
            "value": {
                "description": "Option code, list of codes, boolean, number or text; null when N/A or "
                "unknown.",
                "type": ["string", "number", "boolean", "array", "null"],
            },
            "to_confirm": {"type": "boolean"},
            "updated_at": _nullable("string", format="date-time"),
        },
    },
    "SightedEvidence": {
        "type": "object",
        "description": "Classified evidence a consultant saw on site instead of an upload (issue 19); it "
        "counts as the question's evidence.",
        "required": ["id", "question", "description", "place", "sighted_on", "sighted_by", "recorded_at"],
        "properties": {
            "id": {"type": "integer"},
            "question": {"type": "string"},
            "description": {"type": "string", "description": "What was sighted, never its content."},
            "place": {"type": "string"},
            "sighted_on": {"type": "string", "format": "date", "description": "The day of the visit."},
            "sighted_by": {"type": "string", "description": "The consultant who sighted and recorded it."},
            "recorded_at": {"type": "string", "format": "date-time"},
        },
    },
    "Assessment": {
        "allOf": [
            _ref("AssessmentSummary"),
            {
                "type": "object",
                "required": ["answers", "targets", "sighted_evidence"],
                "properties": {
                    "answers": {"type": "array", "items": _ref("Answer")},
                    "sighted_evidence": {"type": "array", "items": _ref("SightedEvidence")},
                    "targets": {
                        "type": "object",
                        "description": "Target level (1–5) per dimension code.",
                        "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5},
                    },
                },
            },
        ]
    },
    "DimensionScore": {
        "type": "object",
        "required": ["code", "name", "score", "level", "computed_level", "target", "capped_by", "overridden"],
        "properties": {
            "code": {"type": "string"},
            "name": _ref("LocalText"),
            "score": {"type": "number"},
            "level": {"type": "integer", "minimum": 1, "maximum": 5},
            "computed_level": {"type": "integer", "minimum": 1, "maximum": 5},
            "target": _nullable("integer"),
            "capped_by": {"type": "array", "items": {"type": "string"}},
            "raw_score": {
                **_nullable("number"),
                "description": "The answers' own score (0–100) before a gate's cap reached it.",
            },
            "score_capped_by": {
                **_nullable("string"),
                "description": "The gate whose cap lowered the score that counts (null: none did).",
            },
            "applies": {
                "type": "boolean",
                "description": "False when the dimension is not applicable to the office by the framework's "
                "rule (its profile): left out of the index.",
            },
            "overridden": {"type": "boolean"},
        },
    },
    "ScoringTrace": {
        "type": "object",
        "description": "The scoring engine's own result: every question's points (computed, discounted, "
        "overridden), every dimension's score, gates and level, and the consistency warnings.",
        "required": ["engine_version", "index", "level", "questions", "dimensions", "warnings"],
        "properties": {
            "engine_version": {"type": "string"},
            "framework_id": {"type": "string"},
            "framework_version": {"type": "string"},
            "index": {"type": "number"},
            "level": {"type": "integer"},
            "coverage": {"type": "number"},
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "dimension", "points", "computed_points", "override"],
                    "properties": {
                        "code": {"type": "string"},
                        "dimension": {"type": "string"},
                        "points": _nullable("number"),
                        "computed_points": _nullable("number"),
                        "override": _nullable("object"),
                        "exclusion": _nullable("string"),
                        "evidence_discounted": {"type": "boolean"},
                    },
                },
            },
            "dimensions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "score", "level", "gates"],
                    "properties": {
                        "code": {"type": "string"},
                        "score": {"type": "number"},
                        "raw_level": {"type": "integer"},
                        "computed_level": {"type": "integer"},
                        "level": {"type": "integer"},
                        "level_override": _nullable("object"),
                        "gates": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
            "warnings": {"type": "array", "items": {"type": "object"}},
            "guidance": _nullable("array"),
        },
    },
    "DtiView": {
        "type": "object",
        "description": "The index split among the DTI main indices by each question's `dti_ref`: the "
        'framework\'s own cross-walk, not an official DTI score (docs/scoring.md, "The DTI view"). A '
        "dimension's term in the index is shared among its counted questions in proportion to what each adds "
        "to its score; the pillars' points add up exactly to the index, a pillar's questions' to its points.",
        "required": ["index", "pillars"],
        "properties": {
            "index": {"type": "number", "minimum": 0, "maximum": 1000},
            "pillars": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "ref", "name", "points", "possible", "questions", "not_counted"],
                    "properties": {
                        "code": {"type": "string", "description": "The framework's dti_indices code."},
                        "ref": {
                            **_nullable("string"),
                            "description": "The DTI's number of the main index that questions name in "
                            "dti_ref (NONE: outside the DTI).",
                        },
                        "name": _ref("LocalText"),
                        "points": {"type": "number", "minimum": 0, "maximum": 1000},
                        "possible": {
                            "type": "number",
                            "minimum": 0,
                            "maximum": 1000,
                            "description": "What the same counted questions would add with full points.",
                        },
                        "questions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["code", "dimension", "points", "possible"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "dimension": {"type": "string"},
                                    "points": {"type": "number", "minimum": 0},
                                    "possible": {"type": "number", "minimum": 0},
                                },
                            },
                        },
                        "not_counted": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Scored questions of the main index that do not count in this "
                            "result: unanswered, not applicable, hidden or not applicable by rule.",
                        },
                    },
                },
            },
        },
    },
    "Scores": {
        "type": "object",
        "required": [
            "assessment_id",
            "status",
            "basis",
            "index",
            "level",
            "coverage",
            "dimensions",
            "dti",
            "trace",
        ],
        "properties": {
            "assessment_id": {"type": "integer"},
            "status": {"type": "string", "enum": [status.value for status in AssessmentStatus]},
            "basis": {"type": "string", "enum": ["live"], "description": "Scored now, as the pages show it."},
            "index": {"type": "number", "minimum": 0, "maximum": 1000},
            "level": {"type": "integer", "minimum": 1, "maximum": 5},
            "coverage": {"type": "number", "minimum": 0, "maximum": 1},
            "dimensions": {"type": "array", "items": _ref("DimensionScore")},
            "dti": {
                "anyOf": [_ref("DtiView"), {"type": "null"}],
                "description": "Null for a framework that maps no question to the DTI.",
            },
            "trace": _ref("ScoringTrace"),
        },
    },
    "Progress": {
        "type": "object",
        "description": "How each initiative of the published roadmap is getting on, as its office reports it "
        "and its consultants judge it (issue 22). Quarters are written `2027-Q1`. Empty before publication.",
        "required": ["format", "assessment", "published", "quarter", "initiatives"],
        "properties": {
            "format": {"type": "string", "const": "progress/1"},
            "assessment": {"type": "integer"},
            "published": {"type": "boolean"},
            "quarter": {"type": "string", "description": "The quarter today falls in."},
            "last_report": {
                "anyOf": [
                    {
                        "type": "object",
                        "description": "The office's latest confirmed quarterly progress report.",
                        "required": ["quarter", "confirmed_at"],
                        "properties": {"quarter": {"type": "string"}, "confirmed_at": DATE_TIME},
                    },
                    {"type": "null"},
                ]
            },
            "initiatives": {"type": "array", "items": _ref("InitiativeProgress")},
        },
    },
    "InitiativeProgress": {
        "type": "object",
        "required": ["code", "mandatory", "late", "at_risk", "version", "status", "percent_done"],
        "properties": {
            "code": {"type": "string"},
            "mandatory": {"type": "boolean"},
            "deadline": _nullable("string"),
            "planned_start": _nullable("string"),
            "planned_finish": _nullable("string"),
            "late": {"type": "boolean", "description": "Its planned finish quarter has passed, not done."},
            "at_risk": {
                "type": "boolean",
                "description": "Mandatory, and late, blocked or planned past its legal date.",
            },
            "version": {"type": "integer", "description": "0 while nothing has been reported."},
            "updated_at": {"anyOf": [DATE_TIME, {"type": "null"}]},
            "owner_id": _nullable("integer"),
            "owner_unit": {"type": "string"},
            "status": {"type": "string", "enum": [status.value for status in TrackingStatus]},
            "percent_done": {"type": "integer", "minimum": 0, "maximum": 100},
            "actual_start": _nullable("string"),
            "actual_finish": _nullable("string"),
            "progress_note": {"type": "string"},
            "blocked_reason": {"type": "string"},
            "drop_justification": {"type": "string"},
            "evidence_note": {"type": "string"},
            "evidence_document": {"type": "string"},
            "verdict": {"type": "string", "enum": ["", "accepted", "questioned"]},
            "review_comment": {"type": "string"},
            "evidence_files": {
                "type": "array",
                "description": "Completion evidence files, downloaded at "
                "/assessments/{id}/roadmap/progress/files/{file id} by those who may see the roadmap.",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "content_type", "size", "sha256", "uploaded_at"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "content_type": {"type": "string"},
                        "size": {"type": "integer"},
                        "sha256": {"type": "string"},
                        "uploaded_at": DATE_TIME,
                    },
                },
            },
        },
    },
    "Roadmap": {
        "type": "object",
        "description": "The roadmap as the JSON export gives it: the plan as generated (`proposed`), the "
        "consultants' edits with their reasons, and the roadmap that results (`approved`).",
        "required": ["format", "assessment", "plan_version", "generated_at", "proposed", "edits", "approved"],
        "properties": {
            "format": {"type": "string", "const": "roadmap/1"},
            "assessment": {
                "type": "object",
                "required": ["id", "office", "cycle", "status"],
                "properties": {
                    "id": {"type": "integer"},
                    "office": {"type": "string"},
                    "cycle": {"type": "string"},
                    "status": {"type": "string"},
                },
            },
            "plan_version": {"type": "integer"},
            "generated_at": DATE_TIME,
            "cause": {"type": "string"},
            "score_basis": {"type": "string"},
            "score_snapshot": _nullable("integer"),
            "framework_fingerprint": {"type": "string"},
            "engine_version": {"type": "string"},
            "parameters": {"type": "object"},
            "proposed": {"type": "object"},
            "edits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["seq", "kind", "initiative", "reason", "applies"],
                    "properties": {
                        "seq": {"type": "integer"},
                        "kind": {
                            "type": "string",
                            "enum": ["add", "add_custom", "remove", "move", "reorder", "note"],
                        },
                        "initiative": _nullable("string"),
                        "payload": {"type": "object"},
                        "reason": {"type": "string"},
                        "author": {"type": "string"},
                        "at": _nullable("string", format="date-time"),
                        "plan_version": {"type": "integer"},
                        "applies": {"type": "boolean"},
                        "inapplicable": _nullable("string"),
                    },
                },
            },
            "approved": {
                "type": "object",
                "required": ["items", "phases", "trajectory", "notes"],
                "properties": {
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["position", "code", "name", "status", "phase", "removed"],
                            "properties": {
                                "position": {"type": "integer"},
                                "code": {"type": "string"},
                                "name": _ref("LocalText"),
                                "status": {"type": "string"},
                                "origin": {"type": "string"},
                                "start": _nullable("integer", description="Months from the plan's start."),
                                "end": _nullable("integer", description="Months from the start (exclusive)."),
                                "start_quarter": _nullable("string"),
                                "end_quarter": _nullable("string"),
                                "phase": _nullable("integer"),
                                "removed": {"type": "boolean"},
                                "notes": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                    "phases": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["index", "capacity", "load", "over_capacity", "initiatives"],
                            "properties": {
                                "index": {"type": "integer"},
                                "capacity": {"type": "number"},
                                "load": {"type": "number"},
                                "over_capacity": {"type": "boolean"},
                                "initiatives": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                    "trajectory": {"type": "array", "items": {"type": "object"}},
                    "notes": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


ASSESSMENT_ID = {
    "name": "assessment_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "description": "The assessment's id.",
}

_COMMON_ERRORS = {
    "401": _error_response("No credentials, or a token that is malformed, unknown, revoked or expired."),
    "403": _error_response("A session whose user must first change the password."),
}
_NOT_FOUND = {"404": _error_response("No such assessment, or one the caller may not see (the same answer).")}


def _get(operation_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["assessments"],
            "responses": {**responses, **_COMMON_ERRORS},
            **extra,
        }
    }


def document() -> dict[str, Any]:
    cookie = str(current_app.config.get("SESSION_COOKIE_NAME", "session"))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Digital transformation roadmap: read-only API",
            "version": API_VERSION,
            "description": "Assessments, scores and roadmaps of the offices the caller may see, with the "
            "caller's own permissions (as on the pages). Authenticate with a personal token made under "
            "/account/tokens (`Authorization: Bearer rdm_…`) or with the session of a logged-in browser. "
            "Error messages follow the user's language.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
        "tags": [{"name": "assessments"}, {"name": "reports"}, {"name": "meta"}],
        "paths": {
            "/api/v1/assessments": _get(
                "listAssessments",
                "Assessments the caller may see, newest cycle first",
                {
                    "200": _ok("AssessmentList", "One page of assessments."),
                    "400": _error_response("A filter or paging parameter is not valid."),
                },
                parameters=[
                    {
                        "name": "cycle",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        "description": "Only this cycle's assessments (the cycle's id).",
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": [status.value for status in AssessmentStatus]},
                        "description": "Only assessments in this status.",
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                    },
                ],
            ),
            "/api/v1/assessments/{assessment_id}": _get(
                "getAssessment",
                "One assessment with its answers and target levels",
                {"200": _ok("Assessment", "The assessment."), **_NOT_FOUND},
                parameters=[ASSESSMENT_ID],
            ),
            "/api/v1/assessments/{assessment_id}/scores": _get(
                "getScores",
                "Index, level per dimension and the scoring trace",
                {
                    "200": _ok("Scores", "The result as the pages show it, overrides applied."),
                    "404": _error_response(
                        "No such assessment, one the caller may not see, or (for the office's own "
                        "respondents) results not published yet."
                    ),
                },
                parameters=[ASSESSMENT_ID],
            ),
            "/api/v1/assessments/{assessment_id}/roadmap": _get(
                "getRoadmap",
                "The roadmap: phases, initiatives and the consultants' edits",
                {
                    "200": _ok("Roadmap", "The current roadmap."),
                    "404": _error_response(
                        "No such assessment, one the caller may not see, no roadmap yet, or (for the "
                        "office's own respondents) a roadmap not published yet."
                    ),
                },
                parameters=[ASSESSMENT_ID],
            ),
            "/api/v1/reports/verify": {
                "post": {
                    "operationId": "verifyReport",
                    "summary": "Verify a signed report (the PDF as the request body); nothing is stored",
                    "tags": ["reports"],
                    "requestBody": {
                        "required": True,
                        "description": "The signed report's bytes (a PDF; sent as application/pdf or "
                        "application/octet-stream, the type is not relied on).",
                        "content": {
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "responses": {
                        "200": _ok("Verification", "The verdict, whether valid or not."),
                        "400": _error_response("Not a PDF, a damaged PDF, or a PDF without signatures."),
                        "413": _error_response("Larger than the upload limit."),
                        **_COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/assessments/{assessment_id}/progress": _get(
                "getProgress",
                "How each initiative of the published roadmap is getting on",
                {
                    "200": _ok(
                        "Progress", "The tracking state of every initiative (none before publication)."
                    ),
                    "404": _error_response(
                        "No such assessment, one the caller may not see, or (for the office's own "
                        "respondents) a roadmap not published yet."
                    ),
                },
                parameters=[ASSESSMENT_ID],
            ),
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This description",
                    "tags": ["meta"],
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, `rdm_` followed by 51 characters.",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": cookie,
                    "description": "The session of a logged-in browser.",
                },
            },
            "schemas": SCHEMAS,
        },
    }

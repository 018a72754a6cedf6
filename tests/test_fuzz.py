"""Fuzzing (issue 9): Hypothesis throws arbitrary input at the autosave endpoints, the admin forms and the
framework loader. Anything may be refused; nothing may fail with a server error (500) or an unexpected
exception. The numbers of examples run are written to build/fuzz.json."""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from roadmap.engine.loader import FrameworkError
from roadmap.services import Invalid
from roadmap.services.survey import frameworks
from tests.conftest import isolated, logged_in
from tests.test_survey import SMALL, small_assessment

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "build" / "fuzz.json"
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["<script>alert(1)</script>", "' OR 1=1 --", "\x00", "\r\n", "%s%n", "../../etc/passwd", ""]
    ),
    st.text(alphabet="0123456789,.-eE ", max_size=40),
)


def record(name: str, statuses: Counter[int]) -> None:
    FIGURES.parent.mkdir(exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    previous = figures.get(name, {}).get("examples", 0) if isinstance(figures.get(name), dict) else 0
    figures[name] = {
        "examples": previous + sum(statuses.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True))


def test_autosave_endpoints_never_fail(app, world, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    assessment = small_assessment(world)
    codes = [q.code for q in frameworks.validate(SMALL.read_text("utf-8"), "small").questions]
    browser = logged_in(app, world.respondent_a.email)
    headers = {"X-CSRFToken": browser.csrf(), "Accept": "application/json"}
    statuses: Counter[int] = Counter()
    answer_payloads = st.fixed_dictionaries(
        {},
        optional={
            "question": st.one_of(st.sampled_from(codes), hostile_text, json_values),
            "state": st.one_of(
                st.sampled_from(["answered", "not_applicable", "dont_know", None]), json_values
            ),
            "value": st.one_of(hostile_text, json_values, st.lists(st.sampled_from(["a", "b", "c", "l1"]))),
            "base_version": st.one_of(st.integers(-(2**70), 2**70), json_values),
            "key": st.one_of(
                st.text(alphabet="0123456789abcdef", min_size=1, max_size=40), hostile_text, json_values
            ),
            "follows": st.one_of(st.lists(hostile_text, max_size=25), json_values),
            "section": json_values,
        },
    )
    evidence_payloads = st.fixed_dictionaries(
        {},
        optional={
            "question": st.one_of(st.sampled_from(codes), json_values),
            "note": st.one_of(hostile_text, json_values),
            "document_number": st.one_of(hostile_text, json_values),
            "document_date": st.one_of(hostile_text, st.dates().map(str), json_values),
        },
    )

    @FUZZ
    @given(
        endpoint=st.sampled_from(["answers", "evidence"]),
        payload=st.one_of(answer_payloads, evidence_payloads, json_values),
        raw=st.one_of(st.none(), st.binary(max_size=200)),
    )
    # Valid saves, run on every run: whatever the random examples are, some saves succeed.
    @example(
        endpoint="answers",
        payload={"question": "NW-01", "state": "answered", "value": "a", "base_version": 0, "key": "f1"},
        raw=None,
    )
    @example(endpoint="evidence", payload={"question": "NW-01", "note": "Quyết định số 12"}, raw=None)
    def run(endpoint: str, payload: Any, raw: bytes | None) -> None:
        url = f"/assessments/{assessment.id}/{endpoint}"
        if raw is None:
            response = isolated(browser.client.post, url, json=payload, headers=headers)
        else:
            response = isolated(
                browser.client.post, url, data=raw, headers={**headers, "Content-Type": "application/json"}
            )
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        assert response.is_json, "the page's script always gets JSON"

    run()
    record("autosave_endpoints", statuses)
    assert statuses[200] > 0, "some fuzzed saves were valid and saved"


def test_admin_forms_never_fail(app, world):
    browser = logged_in(app, world.admin.email)
    statuses: Counter[int] = Counter()
    forms = {
        "/admin/offices/new": st.fixed_dictionaries(
            {
                "code": st.one_of(st.from_regex(r"\A[A-Z]{3,6}\Z"), hostile_text),
                "name_vi": st.one_of(st.just("Văn phòng thử nghiệm"), hostile_text),
                "name_en": st.one_of(st.just("Test office"), hostile_text),
                "kind": st.one_of(st.sampled_from(["party", "state", "ministry"]), hostile_text),
                "parent_code": st.one_of(st.sampled_from(["", "VPA", "VPB"]), hostile_text),
            }
        ),
        "/admin/users/new": st.fixed_dictionaries(
            {
                "email": st.one_of(st.emails().map(str), hostile_text),
                "full_name": st.one_of(st.just("Nguyễn Văn An"), hostile_text),
                "role": st.one_of(st.sampled_from(["respondent", "consultant", "admin"]), hostile_text),
                "office_code": st.one_of(st.sampled_from(["", "VPA", "VPB"]), hostile_text),
                "locale": st.one_of(st.sampled_from(["vi", "en"]), hostile_text),
            }
        ),
        "/admin/cycles": st.fixed_dictionaries(
            {
                "code": hostile_text,
                "name_vi": hostile_text,
                "name_en": hostile_text,
                "opens_on": st.one_of(st.dates().map(str), hostile_text),
                "closes_on": st.one_of(st.dates().map(str), hostile_text),
            }
        ),
    }

    @FUZZ
    @given(url=st.sampled_from(sorted(forms)), data=st.data())
    def run(url: str, data: st.DataObject) -> None:
        fields = data.draw(forms[url])
        response = browser.post(url, fields)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (url, fields)

    run()
    record("admin_forms", statuses)
    assert statuses[200] > 0, "refused forms come back with their errors"


def _mutated(document: Any, data: st.DataObject) -> Any:
    """The document with one value somewhere replaced, removed or duplicated."""
    node, path = document, []
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        path.append(key)
        node = node[key]
    mutated = copy.deepcopy(document)
    if not path:
        return data.draw(json_values)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    action = data.draw(st.sampled_from(["replace", "remove", "duplicate"]))
    if action == "replace":
        parent[path[-1]] = data.draw(st.one_of(json_values, hostile_text))
    elif action == "remove":
        del parent[path[-1]]
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))
    return mutated


def test_the_framework_loader_never_fails_unexpectedly():
    base = yaml.safe_load(SMALL.read_text("utf-8"))
    outcomes: Counter[int] = Counter()

    def load(text: str) -> None:
        try:
            frameworks.validate(text, "fuzzed.yaml")
        except (FrameworkError, Invalid):
            outcomes[400] += 1
        else:
            outcomes[200] += 1

    @settings(max_examples=300, deadline=None, database=None)
    @given(data=st.data())
    def mutated(data: st.DataObject) -> None:
        document = base
        for _ in range(data.draw(st.integers(1, 3))):
            document = _mutated(document, data)
        load(yaml.safe_dump(document, allow_unicode=True))

    @settings(max_examples=150, deadline=None, database=None)
    @given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
    def arbitrary(text: str) -> None:
        load(text)

    mutated()
    arbitrary()
    record("framework_loader", outcomes)
    assert outcomes[400] > 0

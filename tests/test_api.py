"""Personal API tokens and the read-only JSON API (issue 7): lifecycle, refusals, permissions, content."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from babel.numbers import format_decimal
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import ApiToken, Assessment, AuditEvent, RoadmapEditKind, User, utcnow
from roadmap.services.directory import api_tokens
from roadmap.services.plans import roadmaps
from roadmap.services.review import workflow as review
from roadmap.services.survey import answers, steps
from tests.conftest import isolated, logged_in
from tests.test_review import fresh, submitted  # noqa: F401  (the fixture)

TOKEN_PATTERN = re.compile(r"rdm_[a-z0-9]{8}[A-Za-z0-9_-]{43}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_get(app, url: str, token: str | None = None, **headers: str):
    """A bare client (no cookie jar of a browser): what a script sends."""
    client = app.test_client(use_cookies=False)
    if token is not None:
        headers.update(bearer(token))
    return isolated(client.get, url, headers=headers)


def token_for(user: User, name: str = "script") -> str:
    return api_tokens.create(user, name).secret


@pytest.fixture
def published(world, submitted):  # noqa: F811  (the fixture imported above)
    """Office A's assessment reviewed (a level override), approved with a roadmap edit, and published."""
    consultant = world.consultant
    review.start_review(submitted, actor=consultant)
    review.override_level(submitted, "NETW", 2, "Chưa có sơ đồ mạng được phê duyệt.", actor=consultant)
    review.approve(fresh(submitted.id), actor=consultant)
    assessment = fresh(submitted.id)
    roadmaps.add_edit(
        assessment,
        RoadmapEditKind.NOTE,
        actor=consultant,
        expected_version=roadmaps.version_of(assessment),
        reason="Ghi chú cho lãnh đạo",
        payload={"text": "Ưu tiên an toàn thông tin."},
    )
    review.publish(fresh(submitted.id), actor=consultant)
    return fresh(submitted.id)


# --- the token's life -----------------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_hashed_used_and_revoked(app, world):
    browser = logged_in(app, world.respondent_a.email)
    page = browser.post("/account/tokens", {"name": "Báo cáo tháng", "expires_in_days": "90"})
    assert page.status_code == 201
    [secret] = TOKEN_PATTERN.findall(page.get_data(as_text=True))

    row = db.session.scalars(select(ApiToken)).one()
    assert row.name == "Báo cáo tháng"
    assert row.user_id == world.respondent_a.id
    assert secret.startswith(row.prefix)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.expires_at is not None
    assert row.expires_at > utcnow() + dt.timedelta(days=89)
    # The database never holds the secret: not in the token's row, not in the audit log, nowhere.
    for table in db.metadata.sorted_tables:
        for values in db.session.execute(select(table)):
            assert all(secret not in str(value) for value in values), table.name
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.created")).one()
    assert created.actor_id == world.respondent_a.id
    assert created.details["prefix"] == row.prefix

    # The list shows name and prefix, never the secret again.
    again = browser.get("/account/tokens").get_data(as_text=True)
    assert "Báo cáo tháng" in again
    assert row.prefix in again
    assert secret not in again

    response = api_get(app, "/api/v1/assessments", secret)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # a token request makes no session
    assert response.headers["Cache-Control"] == "no-store"
    db.session.refresh(row)
    assert row.last_used_at is not None
    assert "never" not in browser.get("/account/tokens?lang=en").get_data(as_text=True).split("</tbody>")[0]

    assert browser.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None
    refused = api_get(app, "/api/v1/assessments", secret)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "revoked_token"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Set-Cookie" not in refused.headers
    revoked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoked")).one()
    assert revoked.object_id == str(row.id)
    # Revoking again changes nothing and says so.
    assert browser.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "api_token.revoked")) == 1


def test_a_token_without_a_name_is_refused_and_nothing_is_made(app, world):
    browser = logged_in(app, world.consultant.email)
    page = browser.post("/account/tokens", {"name": "  ", "expires_in_days": "30"})
    assert page.status_code == 400
    assert "Hãy đặt tên cho mã truy cập" in page.get_data(as_text=True)
    assert TOKEN_PATTERN.search(page.get_data(as_text=True)) is None
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_nobody_else_can_revoke_a_token(app, world):
    secret = token_for(world.respondent_a)
    row = db.session.scalars(select(ApiToken)).one()
    admin = logged_in(app, world.admin.email)
    assert admin.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert world.respondent_a.email not in admin.get("/account/tokens").get_data(as_text=True)
    assert api_get(app, "/api/v1/assessments", secret).status_code == 200


def _snapshot_of_tables() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Basic cmVzcDpwYXNz", "malformed_authorization"),
        ("Bearer", "malformed_authorization"),
        ("Bearer two words", "malformed_authorization"),
        ("Bearer ghp_0123456789abcdef0123456789abcdef0123", "wrong_token_prefix"),
        ("Bearer rdm_zzzzzzzz" + "A" * 43, "unknown_token"),
    ],
)
def test_bad_credentials_are_refused_with_a_clear_message_and_change_nothing(app, world, header, code):
    token_for(world.respondent_a)
    before = _snapshot_of_tables()
    response = api_get(app, "/api/v1/assessments", Authorization=header)
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Set-Cookie" not in response.headers
    assert _snapshot_of_tables() == before


def test_each_refusal_has_its_own_message_in_the_callers_language(app, world):
    secret = token_for(world.respondent_a)
    tampered = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    cases = {
        "malformed_authorization": "Basic abc",
        "wrong_token_prefix": "Bearer abc_123",
        "unknown_token": f"Bearer {tampered}",
    }
    messages_vi = {
        code: api_get(app, "/api/v1/assessments", Authorization=header).get_json()["error"]["message"]
        for code, header in cases.items()
    }
    messages_en = {
        code: api_get(app, "/api/v1/assessments?lang=en", Authorization=header).get_json()["error"]["message"]
        for code, header in cases.items()
    }
    missing = api_get(app, "/api/v1/assessments").get_json()["error"]
    assert missing["code"] == "unauthenticated"
    assert len({*messages_vi.values(), missing["message"]}) == 4
    assert "rdm_" in messages_vi["wrong_token_prefix"]
    assert "rdm_" in messages_en["wrong_token_prefix"]
    assert messages_en["wrong_token_prefix"].startswith("This is not an API token of this service")
    assert messages_vi["wrong_token_prefix"] != messages_en["wrong_token_prefix"]
    assert "mã truy cập" in messages_vi["unknown_token"]


def test_expired_tokens_and_deactivated_users_tokens_are_useless(app, world):
    secret = token_for(world.respondent_a)
    row = db.session.scalars(select(ApiToken)).one()
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert api_get(app, "/api/v1/assessments", secret).get_json()["error"]["code"] == "expired_token"

    other = token_for(world.consultant)
    assert api_get(app, "/api/v1/assessments", other).status_code == 200
    consultant = db.session.get(User, world.consultant.id)
    consultant.active = False
    db.session.commit()
    response = api_get(app, "/api/v1/assessments", other)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "inactive_account"


# --- permissions ----------------------------------------------------------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json()["items"]}


def test_each_role_reads_what_it_may_see_and_foreign_objects_look_missing(app, world, published):
    other = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    own, foreign = published.id, other.id
    tokens = {
        "respondent": token_for(world.respondent_a),
        "consultant": token_for(world.consultant),
        "admin": token_for(world.admin),
        "respondent_b": token_for(world.respondent_b),
    }
    assert _ids(api_get(app, "/api/v1/assessments", tokens["respondent"])) == {own}
    assert _ids(api_get(app, "/api/v1/assessments", tokens["consultant"])) == {own}
    assert _ids(api_get(app, "/api/v1/assessments", tokens["admin"])) == {own, foreign}
    assert _ids(api_get(app, "/api/v1/assessments", tokens["respondent_b"])) == {foreign}

    for who in ("respondent", "consultant"):
        missing = api_get(app, "/api/v1/assessments/999999", tokens[who])
        for path in ("", "/scores", "/roadmap"):
            refused = api_get(app, f"/api/v1/assessments/{foreign}{path}", tokens[who])
            assert refused.status_code == 404, (who, path)
            assert refused.get_json() == missing.get_json()
        assert missing.get_json()["error"]["code"] == "not_found"
        for path in ("", "/scores", "/roadmap"):
            assert api_get(app, f"/api/v1/assessments/{own}{path}", tokens[who]).status_code == 200
    # Office B's own draft: its respondent sees the answers, not scores nor a roadmap before publication.
    assert api_get(app, f"/api/v1/assessments/{foreign}", tokens["respondent_b"]).status_code == 200
    assert api_get(app, f"/api/v1/assessments/{foreign}/scores", tokens["respondent_b"]).status_code == 404
    assert api_get(app, f"/api/v1/assessments/{foreign}/roadmap", tokens["respondent_b"]).status_code == 404
    # Administrators see the draft's scores; it has no roadmap yet.
    assert api_get(app, f"/api/v1/assessments/{foreign}/scores", tokens["admin"]).status_code == 200
    no_plan = api_get(app, f"/api/v1/assessments/{foreign}/roadmap", tokens["admin"])
    assert no_plan.status_code == 404
    assert no_plan.get_json()["error"]["code"] == "no_roadmap"
    # The API reads only.
    client = app.test_client(use_cookies=False)
    post = isolated(client.post, "/api/v1/assessments", headers=bearer(tokens["admin"]))
    assert post.status_code == 405
    assert post.get_json()["error"]["code"] == "method_not_allowed"


def test_respondents_see_scores_and_roadmap_only_once_published(app, world, submitted):  # noqa: F811
    secret = token_for(world.respondent_a)
    aid = submitted.id
    review.start_review(submitted, actor=world.consultant)
    review.approve(fresh(aid), actor=world.consultant)
    for path in ("/scores", "/roadmap"):
        assert api_get(app, f"/api/v1/assessments/{aid}{path}", secret).status_code == 404
    review.publish(fresh(aid), actor=world.consultant)
    for path in ("/scores", "/roadmap"):
        assert api_get(app, f"/api/v1/assessments/{aid}{path}", secret).status_code == 200


def test_the_session_cookie_opens_the_api_too(app, world, published):
    browser = logged_in(app, world.consultant.email)
    response = browser.get("/api/v1/assessments")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [item["id"] for item in response.get_json()["items"]] == [published.id]
    browser.logout()
    assert browser.get("/api/v1/assessments").status_code == 401


def test_filters_and_bad_parameters(app, world, published):
    secret = token_for(world.admin)
    cycle = world.cycle.id
    assert _ids(api_get(app, f"/api/v1/assessments?cycle={cycle}&status=published", secret)) == {published.id}
    assert _ids(api_get(app, "/api/v1/assessments?status=draft", secret)) == set()
    assert _ids(api_get(app, f"/api/v1/assessments?cycle={cycle + 1000}", secret)) == set()
    page = api_get(app, "/api/v1/assessments?per_page=1&page=2", secret).get_json()
    assert page["items"] == []
    assert page["total"] == 1
    assert page["page"] == 2
    for query in ("status=finished", "cycle=abc", "per_page=500", "page=0"):
        response = api_get(app, f"/api/v1/assessments?{query}", secret)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "invalid_parameter"


# --- content matches the pages --------------------------------------------------------------------------


def test_api_figures_match_the_html_pages(app, world, published):
    secret = token_for(world.respondent_a)
    aid = published.id
    detail = api_get(app, f"/api/v1/assessments/{aid}", secret).get_json()
    assert detail["status"] == "published"
    assert detail["office"]["name"]["vi"] == "Văn phòng A"
    records = answers.answer_records(db.session.get(Assessment, aid))
    assert {a["question"]: a["value"] for a in detail["answers"]} == {c: r.value for c, r in records.items()}

    scores = api_get(app, f"/api/v1/assessments/{aid}/scores", secret).get_json()
    page = logged_in(app, world.respondent_a.email).get(f"/assessments/{aid}").get_data(as_text=True)
    shown_index = re.search(r'<span class="result-number">([^<]+)</span>', page).group(1)
    assert shown_index == format_decimal(scores["index"], locale="vi")
    assert f"level-{scores['level']}" in page
    table = page.split('class="result-table"')[1].split("</table>")[0]
    for dimension in scores["dimensions"]:
        row = table.split(dimension["name"]["vi"])[1].split("</tr>")[0]
        # Each cell's own figure, before what follows it (the coverage "(answered/applicable)", issue 23).
        cells = [
            re.sub(r"<.*", "", c, flags=re.S).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        assert cells[1] == str(dimension["level"]), dimension["code"]
        assert cells[0] == format_decimal(dimension["score"], locale="vi")
    netw = next(d for d in scores["dimensions"] if d["code"] == "NETW")
    assert netw["level"] == 2
    assert netw["overridden"]
    trace_netw = next(d for d in scores["trace"]["dimensions"] if d["code"] == "NETW")
    assert trace_netw["level_override"]["justification"] == "Chưa có sơ đồ mạng được phê duyệt."

    roadmap = api_get(app, f"/api/v1/assessments/{aid}/roadmap", secret).get_json()
    assert roadmap["format"] == "roadmap/1"
    assert roadmap["approved"]["notes"] == ["Ưu tiên an toàn thông tin."]
    assert [edit["kind"] for edit in roadmap["edits"]] == ["note"]
    roadmap_page = logged_in(app, world.respondent_a.email).get(f"/assessments/{aid}/roadmap")
    html = roadmap_page.get_data(as_text=True)
    assert roadmap["approved"]["items"], "the small framework's roadmap has initiatives"
    for item in roadmap["approved"]["items"]:
        assert item["name"]["vi"] in html
    assert len(roadmap["approved"]["phases"]) >= 1


def test_ids_beyond_the_databases_integers_look_missing_everywhere(app, world):
    """Found by fuzzing the API: such an id failed in the database (500); now no route matches it."""
    huge = 2**63
    admin = logged_in(app, world.admin.email)
    for url in (f"/offices/{huge}", f"/admin/users/{huge}/edit", f"/assessments/{huge}/roadmap"):
        assert admin.get(url).status_code == 404, url
    secret = token_for(world.admin)
    for url in (f"/api/v1/assessments/{huge}", f"/api/v1/assessments/{2**31}/scores"):
        response = api_get(app, url, secret)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert api_get(app, f"/api/v1/assessments?cycle={huge}", secret).status_code == 400

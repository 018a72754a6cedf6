"""Error pages: localised, never a stack trace; a 500 shows an id that is also in the server log."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import Browser


@pytest.fixture
def failing_app(app):
    def explode():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/test-explode", "test_explode", explode)
    return app


def test_server_error_shows_an_error_id_that_is_in_the_log_and_no_trace(failing_app, caplog):
    caplog.set_level(logging.ERROR, logger="roadmap.errors")
    response = Browser(failing_app.test_client()).get("/test-explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in page
    assert "Traceback" not in page
    error_id = re.search(r'<strong class="code">([0-9a-f]{12})</strong>', page).group(1)
    assert any(error_id in record.getMessage() for record in caplog.records)
    assert "Hệ thống đã gặp sự cố" in page


def test_not_found_page_in_both_languages(app):
    browser = Browser(app.test_client())
    vietnamese = browser.get("/nowhere")
    assert vietnamese.status_code == 404
    assert '<html lang="vi">' in vietnamese.get_data(as_text=True)
    browser.post("/locale/en")
    english = browser.get("/nowhere").get_data(as_text=True)
    assert "Page not found" in english


def test_api_errors_answer_json(app):
    response = Browser(app.test_client()).get("/api/nothing-here")
    assert response.status_code == 404
    # The JSON API's error envelope (issue 7): a code for programs, a message in the user's language.
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "Không tìm thấy nội dung tại địa chỉ này."}
    }

"""PostgreSQL: statements that only read run outside transactions, and the first write opens one
(roadmap.database.open_transactions_for_writes_only). A page that only reads then sends no BEGIN or ROLLBACK,
and its statements stay prepared from request to request (psycopg forgets them at every ROLLBACK); whatever
a request writes is still committed or rolled back as a whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from roadmap.extensions import db
from roadmap.models import Office
from tests.conftest import logged_in

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

IDLE, IN_TRANSACTION = 0, 2  # psycopg.pq.TransactionStatus


def _driver_connection():
    return db.session.connection().connection.driver_connection


def test_reads_run_outside_a_transaction_and_the_first_write_opens_one(app, backend):
    assert db.session.scalar(select(func.count()).select_from(Office)) == 0
    assert _driver_connection().info.transaction_status == IDLE  # read, and nothing left open
    db.session.add(Office(code="T1", name_vi="Đơn vị thử", name_en="Test office"))
    db.session.flush()
    assert _driver_connection().info.transaction_status == IN_TRANSACTION
    # Later statements join it, reads included, and see its writes.
    assert db.session.scalar(select(func.count()).select_from(Office)) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Office)) == 0


def test_what_a_request_writes_is_still_one_transaction(app, backend):
    db.session.add(Office(code="T1", name_vi="Đơn vị một", name_en="Office one"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Office)) == 1  # a read after the commit
    assert _driver_connection().info.transaction_status == IDLE
    db.session.add(Office(code="T2", name_vi="Đơn vị hai", name_en="Office two"))
    db.session.flush()  # written, not committed
    db.session.add(Office(code="T1", name_vi="Trùng mã", name_en="Same code"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # The failed write took the earlier one of its transaction with it; the committed office stays.
    assert db.session.scalars(select(Office.code)).all() == ["T1"]


def test_pages_keep_their_statements_prepared_from_request_to_request(app, world, backend):
    email = world.respondent_a.email
    db.session.remove()  # the test's own connection back in the pool: the pages use that one
    browser = logged_in(app, email)
    for _ in range(8):  # more than DATABASE_PREPARE_THRESHOLD (5) requests, each ending without a write
        assert browser.get("/").status_code == 200
    prepared = db.session.connection().exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()
    assert prepared >= 2  # at least the signed-in user and the home page's own reads


def test_an_autosave_is_one_statement_outside_any_transaction(app, world, backend):
    """The save of an answer (a change, or a first answer) and the assessment's "last edited" are one
    statement, run outside a transaction: no BEGIN or COMMIT round trip. It is still all or nothing: a save
    at a stale version writes neither the answer nor the touch."""
    from sqlalchemy import event

    from roadmap.models import AnswerRecord, Assessment
    from roadmap.services.survey import answers, assessments, frameworks, steps
    from tests.test_assessment_service import SMALL

    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    question = assessments.framework_of(assessment).question("NW-02")
    seen: list[tuple[str, int]] = []

    def after(connection, cursor, statement, parameters, context, executemany):
        seen.append((" ".join(statement.split())[:40], cursor.connection.info.transaction_status))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for value, base in (("2", 0), ("4", 1)):
            seen.clear()
            saved = answers.save_answer(
                assessment,
                question,
                answers.parse_answer(question, "answered", value),
                base,
                actor=world.respondent_a,
            )
            assert saved.status is answers.SaveStatus.SAVED
            writes = [(sql, status) for sql, status in seen if not sql.startswith("SELECT")]
            assert len(writes) == 1, seen
            assert writes[0][0].startswith("WITH written AS"), seen
            assert writes[0][1] == IDLE, seen  # committed by itself: no transaction was opened
        touched = db.session.get(Assessment, assessment.id)
        before = (touched.updated_at, touched.revision)
        seen.clear()
        stale = answers.save_answer(
            assessment, question, answers.parse_answer(question, "answered", "3"), 1, actor=world.consultant
        )
        assert stale.status is answers.SaveStatus.CONFLICT
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
    db.session.expire_all()
    touched = db.session.get(Assessment, assessment.id)
    assert (touched.updated_at, touched.revision, touched.last_edited_by_id) == (
        *before,
        world.respondent_a.id,
    )
    stored = db.session.scalar(select(AnswerRecord).where(AnswerRecord.question_code == "NW-02"))
    assert (stored.value, stored.version) == (4, 2)

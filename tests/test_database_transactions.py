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

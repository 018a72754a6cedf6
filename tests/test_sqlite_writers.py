"""SQLite's writers take turns (roadmap.database.WriteTurn): several threads and processes writing to one
database file at once all succeed without waiting on SQLite's busy handler, and a transaction that ends in
any way (commit, rollback, close, a process that dies) lets the next writer in."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from roadmap import database
from roadmap.database import QueuedWriterConnection

WRITES_PER_WRITER = 150


def _engine(path: Path, busy_timeout_ms: int, *, queued: bool = True) -> Engine:
    connect_args: dict[str, object] = {"timeout": 0}
    if queued:
        connect_args["factory"] = QueuedWriterConnection
    engine = create_engine(f"sqlite:///{path}", connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _impatient(dbapi_connection, record):  # after roadmap.database's own settings
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    return engine


def _prepare(path: Path) -> None:
    engine = _engine(path, 1000)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    engine.dispose()


def _write_many(
    path: str,
    threads: int,
    failures: list[str] | None = None,
    writes: int = WRITES_PER_WRITER,
    *,
    queued: bool = True,
) -> int:
    """Each thread reads, then increments the counter, `writes` times, with a little work inside each
    transaction as a request does. SQLite's busy timeout is 0: a writer meeting another one inside SQLite
    fails at once with "database is locked"."""
    engine = _engine(Path(path), 0, queued=queued)
    errors: list[str] = failures if failures is not None else []

    def writer() -> None:
        for _ in range(writes):
            try:
                with engine.begin() as connection:
                    connection.execute(text("SELECT n FROM counter WHERE id = 1")).scalar()
                    connection.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
                    time.sleep(0.0002)
            except Exception as error:  # counted and reported by the test
                errors.append(str(error))

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return len(errors)


def _count(path: Path) -> int:
    engine = _engine(path, 1000)
    with engine.connect() as connection:
        value = int(connection.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one())
    engine.dispose()
    return value


def test_writers_in_several_threads_and_processes_all_succeed_without_sqlite_waiting(tmp_path):
    path = tmp_path / "turns.db"
    _prepare(path)
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        failures = pool.starmap(_write_many, [(str(path), 4), (str(path), 4)])
    assert failures == [0, 0]
    assert _count(path) == 2 * 4 * WRITES_PER_WRITER


def test_without_the_turns_the_same_writers_collide(tmp_path):
    """The check above can fail: the same load on plain SQLite connections meets "database is locked"."""
    path = tmp_path / "plain.db"
    _prepare(path)
    failures: list[str] = []
    assert _write_many(str(path), 4, failures, queued=False) > 0
    assert all("database is locked" in failure for failure in failures)


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_every_way_a_transaction_ends_gives_the_turn_back(tmp_path, ending):
    path = tmp_path / "end.db"
    _prepare(path)
    first = _engine(path, 0).raw_connection()
    first.execute("UPDATE counter SET n = n + 1 WHERE id = 1")  # not through SQLAlchemy: take it by hand
    assert isinstance(first.driver_connection, QueuedWriterConnection)
    first.driver_connection.take_write_turn()
    getattr(first, ending)()
    started = time.monotonic()
    assert _write_many(str(path), 1) == 0
    assert time.monotonic() - started < 5


def test_a_transaction_left_open_delays_the_next_writer_only_for_a_while(tmp_path, monkeypatch):
    """A writer never waits forever: after WRITE_TURN_SECONDS it goes ahead and SQLite's busy timeout
    decides (here: the database is still locked, and it says so)."""
    monkeypatch.setattr(database, "WRITE_TURN_SECONDS", 0.3)
    path = tmp_path / "open.db"
    _prepare(path)
    engine = _engine(path, 0)
    holder = engine.connect()
    holder.execute(text("UPDATE counter SET n = 100 WHERE id = 1"))  # its transaction stays open
    failures: list[str] = []
    started = time.monotonic()
    thread = threading.Thread(target=_write_many, args=(str(path), 1, failures, 3))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert len(failures) == 3
    assert all("database is locked" in failure for failure in failures)
    assert time.monotonic() - started < 30
    holder.rollback()
    holder.close()
    engine.dispose()
    assert _write_many(str(path), 1) == 0


def _die_holding_the_turn(path: str) -> None:
    engine = _engine(Path(path), 0)
    connection = engine.connect()
    connection.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
    os._exit(0)  # killed mid-transaction: no commit, no rollback, no clean-up


def test_a_process_that_dies_mid_write_does_not_block_the_others(tmp_path):
    path = tmp_path / "dies.db"
    _prepare(path)
    process = multiprocessing.get_context("fork").Process(target=_die_holding_the_turn, args=(str(path),))
    process.start()
    process.join(timeout=30)
    started = time.monotonic()
    assert _write_many(str(path), 2) == 0
    assert time.monotonic() - started < 10
    assert _count(path) == 2 * WRITES_PER_WRITER

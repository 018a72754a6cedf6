"""Per-connection database settings, the queue that SQLite's writers wait in, and the liveness check of pooled
PostgreSQL connections."""

from __future__ import annotations

import fcntl
import functools
import os
import re
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

# How long a writer waits for its turn before it goes ahead anyway and lets SQLite's own busy timeout
# decide: the same 15 s as that timeout. Only a transaction left open by mistake takes that long.
WRITE_TURN_SECONDS = 15.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers work while one writer writes; SQLite leaves foreign keys off unless asked."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3") and not isinstance(dbapi_connection, QueuedWriterConnection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class WriteTurn:
    """One writer at a time on one database file, across the threads of a process (a lock) and the
    processes of a host (an flock on a file beside the database).

    SQLite allows one writer and makes the others poll: a writer that finds the database locked sleeps
    1, 2, 5, 10 … up to 100 ms between tries, however soon the lock is free. Under autosave's many short
    writes from several gunicorn workers, those sleeps left the processor idle half the time. Waiting
    here instead, a writer is woken the moment the previous one commits."""

    def __init__(self, path: str) -> None:
        self._path = path + "-writer"
        self._threads = threading.Lock()
        self._file: int | None = None

    def take(self) -> bool:
        """Wait for the turn; False when it did not come in time (go ahead, SQLite decides)."""
        if not self._threads.acquire(timeout=WRITE_TURN_SECONDS):
            return False
        try:
            if self._file is None:
                self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except OSError:
            self._threads.release()
            return False
        return True

    def give_back(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()


_turns: dict[str, WriteTurn] = {}
_turns_lock = threading.Lock()


def _turn_for(path: str) -> WriteTurn:
    with _turns_lock:
        turn = _turns.get(path)
        if turn is None:
            turn = _turns[path] = WriteTurn(path)
        return turn


def _forget_turns_after_fork() -> None:
    # A forked child (a report render) must not share the parent's lock file or see its held locks.
    global _turns_lock
    _turns.clear()
    _turns_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_turns_after_fork)


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection that takes its write turn before its transaction's first write, and gives it
    back when the transaction ends (commit, rollback or close)."""

    _turn: WriteTurn | None = None
    _holding = False

    def take_write_turn(self) -> None:
        if self._holding:
            return
        if self._turn is None:
            row = self.execute("PRAGMA database_list").fetchone()
            path = row[2] if row is not None else ""
            if not path:  # an in-memory database has no other writer
                return
            self._turn = _turn_for(os.path.realpath(path))
        self._holding = self._turn.take()

    def _give_back(self) -> None:
        if self._holding and self._turn is not None:
            self._holding = False
            self._turn.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


@event.listens_for(Engine, "before_cursor_execute")
def _take_write_turn(
    connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    dbapi_connection = cursor.connection
    if (
        isinstance(dbapi_connection, QueuedWriterConnection)
        and not dbapi_connection._holding
        and statement.lstrip()[:7].upper().startswith(_WRITES)
    ):
        dbapi_connection.take_write_turn()


# A pooled connection that has waited this long is checked before a request gets it.
PING_AFTER_IDLE_SECONDS = 1.0


@event.listens_for(Pool, "checkin")
def _note_idle_since(dbapi_connection: Any, connection_record: Any) -> None:
    if dbapi_connection is not None:  # None: the connection was invalidated, not given back
        connection_record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    """A database restarted under the hosts must not fail the next request of each pooled connection; but
    checking every connection at every checkout (the pool's pre_ping) is a round trip on every request, a
    sixth of a cached page's on PostgreSQL. Only a connection idle for PING_AFTER_IDLE_SECONDS is checked:
    one given back a moment ago worked a moment ago, and a restart takes longer than that. (A connection
    that dies between two requests a second apart fails its request; SQLAlchemy then discards the pool's
    other connections of that moment, so each worker meets it once at most.) A dead connection is replaced
    by a new one: the pool retries a checkout that raises DisconnectionError."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        return  # a file, not a server: nothing to lose between two requests
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # ends the transaction the check began, if it began one
    except Exception as error:  # any failure: the connection is not to be trusted
        raise exc.DisconnectionError(str(error)) from error


# The execution option of a statement that is all its request writes (open_transactions_for_writes_only).
WHOLE_WRITE = "whole_write"
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE, without importing psycopg where SQLite is all there is

# A statement that only reads: a SELECT that locks no row.
_LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=2048)  # the app's statements are few, and each is built once
def _only_reads(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT" and _LOCKING_READ.search(statement) is None


def open_transactions_for_writes_only(engine: Engine) -> None:
    """On PostgreSQL, statements that only read run outside any transaction, and the first statement that
    writes opens one, which every later statement joins until it is committed or rolled back.

    psycopg opens a transaction before a connection's first statement and a request ends it: BEGIN and
    ROLLBACK, two round trips of a cached page's four. Worse, psycopg forgets every prepared statement of a
    connection at each ROLLBACK (it cannot tell what the rollback undid), so that a statement prepared after
    DATABASE_PREPARE_THRESHOLD executions never lived past the page that prepared it. With reads outside
    transactions a page that only reads sends neither, and its statements stay prepared from request to
    request. Nothing is lost: at PostgreSQL's READ COMMITTED each statement sees what was committed when it
    began, in a transaction or not; the app takes no row locks by reading (a SELECT … FOR UPDATE counts as a
    write here) and no transaction-scoped locks or settings; and whatever a request writes is still one
    transaction, committed or rolled back as a whole.

    A statement executed with the option WHOLE_WRITE (`.execution_options(whole_write=True)`) is a write
    complete in itself — what a request writes, in one statement, which PostgreSQL makes atomic — and runs
    outside a transaction too when none is open: no BEGIN and no COMMIT round trip (autosave's)."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _transaction_only_for_writes)


def _transaction_only_for_writes(
    connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    dbapi_connection = cursor.connection
    if dbapi_connection.info.transaction_status != _IDLE:
        return  # a transaction is open: every statement joins it
    outside = _only_reads(statement) or (
        context is not None and context.execution_options.get(WHOLE_WRITE, False)
    )
    if dbapi_connection.autocommit != outside:
        dbapi_connection.autocommit = outside  # psycopg: a setting of the client, no round trip

"""Backups of the whole database, taken while the service runs, and restored into an empty database.

SQLite: the online backup API (a consistent copy while others read and write), then `PRAGMA integrity_check`
on the copy. PostgreSQL: `pg_dump` in the custom format and `pg_restore`, with the password passed in the
environment (never on the command line, where `ps` shows it); pg_dump must be at least the server's major
version, which is checked first.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from roadmap.models import AnswerRecord, Assessment, User


class BackupError(RuntimeError):
    """The backup or the restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Counts:
    users: int
    assessments: int
    answers: int

    def __str__(self) -> str:
        return f"{self.users} users, {self.assessments} assessments, {self.answers} answers"


def counts(url: str) -> Counts:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("users"):
                return Counts(0, 0, 0)

            def count(model: type) -> int:
                return int(connection.scalar(select(func.count()).select_from(model)) or 0)

            return Counts(count(User), count(Assessment), count(AnswerRecord))
    finally:
        engine.dispose()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _check_versions(url: URL) -> None:
    output = subprocess.run(  # noqa: S603 (fixed arguments)
        [_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            server = int(connection.scalar(text("SHOW server_version_num")) or 0) // 10000
    finally:
        engine.dispose()
    client = int(match.group(1)) if match else 0
    if client < server:
        raise BackupError(
            f"pg_dump {client} cannot dump a PostgreSQL {server} server: install postgresql-client-{server}."
        )


def create(url: str, target: Path) -> Counts:
    """Write a backup of the database at `url` to `target` (owner-only permissions)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(parsed))
        _private(target)
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
            result = destination.execute("PRAGMA integrity_check").fetchone()
            if result is None or result[0] != "ok":
                raise BackupError(f"The copy failed its integrity check: {result}.")
        finally:
            destination.close()
            source.close()
        return counts(f"sqlite:///{target}")
    if parsed.get_backend_name() == "postgresql":
        _check_versions(parsed)
        dsn, env = _libpq(parsed)
        _private(target)
        done = subprocess.run(  # noqa: S603 (arguments are ours; the DSN carries no password)
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", dsn],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return counts(url)
    raise BackupError(f"No backup method for {parsed.get_backend_name()} databases.")


def restore(url: str, source: Path, *, replace: bool = False) -> Counts:
    """Restore `source` into the database at `url`, which must be empty unless `replace` is given."""
    if not source.is_file():
        raise BackupError(f"There is no backup file {source}.")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_path(parsed).parent.mkdir(parents=True, exist_ok=True)
    existing = counts(url)
    if (existing.users or existing.assessments) and not replace:
        raise BackupError(
            f"The target database is not empty ({existing}). Restore into an empty database, or pass "
            "--replace to overwrite it."
        )
    if parsed.get_backend_name() == "sqlite":
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = _sqlite_path(parsed)
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target)
        try:
            with destination:
                backup.backup(destination)
            destination.execute("PRAGMA journal_mode=WAL")
        finally:
            destination.close()
            backup.close()
        return counts(url)
    if parsed.get_backend_name() == "postgresql":
        dsn, env = _libpq(parsed)
        arguments = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        arguments.append(f"--dbname={dsn}")
        if replace:
            arguments += ["--clean", "--if-exists"]
        done = subprocess.run(  # noqa: S603 (arguments are ours)
            [*arguments, str(source)], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return counts(url)
    raise BackupError(f"No restore method for {parsed.get_backend_name()} databases.")

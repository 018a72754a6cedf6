"""Failed-login counting, shared by every worker: in Redis when configured, else in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Protocol

from flask import current_app
from sqlalchemy import delete, func, select

from roadmap.extensions import db
from roadmap.models import LoginFailure, utcnow


def account_key(email: str) -> str:
    """Counted per account name whether or not the account exists, so a refusal reveals nothing."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


class FailureStore(Protocol):
    def failures(self, key: str) -> int: ...

    def add_failure(self, key: str) -> int: ...

    def clear(self, key: str) -> None: ...


class DatabaseFailureStore:
    def __init__(self, window_seconds: int) -> None:
        self.window = dt.timedelta(seconds=window_seconds)

    def failures(self, key: str) -> int:
        since = utcnow() - self.window
        count = db.session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.account_key == key, LoginFailure.at >= since)
        )
        return int(count or 0)

    def add_failure(self, key: str) -> int:
        db.session.add(LoginFailure(account_key=key))
        # Old rows are of no further use; dropping them keeps the table small.
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - self.window))
        db.session.commit()
        return self.failures(key)

    def clear(self, key: str) -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.account_key == key))


class RedisFailureStore:
    def __init__(self, url: str, window_seconds: int) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2)
        self.window = window_seconds

    def _name(self, key: str) -> str:
        return f"roadmap:login-failures:{key}"

    def failures(self, key: str) -> int:
        value = self.client.get(self._name(key))
        return int(value) if value is not None else 0  # type: ignore[arg-type]

    def add_failure(self, key: str) -> int:
        name = self._name(key)
        pipe = self.client.pipeline()
        pipe.incr(name)
        # The window starts at the first failure and is not extended by later ones.
        pipe.expire(name, self.window, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def clear(self, key: str) -> None:
        self.client.delete(self._name(key))


def failure_store() -> FailureStore:
    window = int(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    url = current_app.config.get("REDIS_URL")
    if url:
        return RedisFailureStore(url, window)
    return DatabaseFailureStore(window)

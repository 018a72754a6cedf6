"""Personal API tokens: made and revoked by their user, stored hashed, shown once.

A token reads `rdm_` + an 8-character public id + a 43-character secret. The public id (with `rdm_`) is the
token's prefix: it finds the row and is what the token list shows. Only the SHA-256 hash of the whole
token is stored, so that the database never holds what would let someone use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import ApiToken, User, utcnow
from roadmap.services import invalid
from roadmap.services.platform import audit

TOKEN_PREFIX = "rdm_"  # noqa: S105 (the public start of every token, not a secret)
_PUBLIC_ID_LENGTH = 8
_PUBLIC_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_BYTES = 32  # 43 URL-safe characters
NAME_MAX_LENGTH = 100
EXPIRY_CHOICES = (0, 30, 90, 365)  # days; 0: never
# How often the "last used" time is written: a script calling every second need not write every second.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Created:
    token: ApiToken
    secret: str  # the whole token, to be shown once and then forgotten


def create(user: User, name: str, *, expires_in_days: int = 0) -> Created:
    name = (name or "").strip()
    if not name:
        raise invalid("name", _l("Give the token a name, so that you know later what it is used for."))
    if len(name) > NAME_MAX_LENGTH:
        raise invalid("name", _l("The name must have at most %(n)d characters.", n=NAME_MAX_LENGTH))
    if expires_in_days not in EXPIRY_CHOICES:
        raise invalid("expires_in_days", _l("Choose one of the offered validity periods."))
    while True:
        public_id = "".join(secrets.choice(_PUBLIC_ALPHABET) for _ in range(_PUBLIC_ID_LENGTH))
        prefix = TOKEN_PREFIX + public_id
        if db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is None:
            break
    secret = prefix + secrets.token_urlsafe(_SECRET_BYTES)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        secret_hash=hash_token(secret),
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        actor=user,
        object_type="api_token",
        object_id=token.id,
        details={"name": name, "prefix": prefix, "expires_at": _iso(token.expires_at)},
    )
    db.session.commit()
    return Created(token, secret)


def revoke(token: ApiToken, *, actor: User) -> bool:
    """Revoke the token; False when it already was (nothing changes twice)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(
        "api_token.revoked",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        details={"name": token.name, "prefix": token.prefix},
    )
    db.session.commit()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- authenticating a request ----------------------------------------------------------------------------


class TokenRefused(Exception):  # noqa: N818 (reads as the domain says it)
    """Why a request's credentials were refused: a code for programs, a message for people (HTTP 401)."""

    def __init__(self, code: str, message: LazyString) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _refused(code: str) -> TokenRefused:
    messages = {
        "malformed_authorization": _l(
            "The Authorization header is malformed: send “Authorization: Bearer <token>”."
        ),
        "wrong_token_prefix": _l(
            "This is not an API token of this service: its tokens begin with “%(prefix)s”.",
            prefix=TOKEN_PREFIX,
        ),
        "unknown_token": _l("This API token is not known: check that it was copied whole."),
        "revoked_token": _l("This API token has been revoked: create a new one under your account."),
        "expired_token": _l("This API token has expired: create a new one under your account."),
        "inactive_account": _l("The account this API token belongs to is deactivated."),
    }
    return TokenRefused(code, messages[code])


def authenticate(header: str, *, now: dt.datetime | None = None) -> User:
    """The user an `Authorization` header speaks for, or TokenRefused saying why not."""
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        raise _refused("malformed_authorization")
    if not credentials.startswith(TOKEN_PREFIX):
        raise _refused("wrong_token_prefix")
    prefix = credentials[: len(TOKEN_PREFIX) + _PUBLIC_ID_LENGTH]
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None or not hmac.compare_digest(token.secret_hash, hash_token(credentials)):
        raise _refused("unknown_token")
    moment = now or utcnow()
    if token.revoked_at is not None:
        raise _refused("revoked_token")
    if token.expires_at is not None and token.expires_at <= moment:
        raise _refused("expired_token")
    user = token.user
    if not user.active:
        raise _refused("inactive_account")
    if token.last_used_at is None or moment - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = moment
        db.session.commit()
    return user

"""Two-factor sign-in (TOTP, RFC 6238): enrolment confirmed by a first code, ten single-use recovery codes,
codes accepted once (no replay within their window), failed codes counted towards the login lockout, and an
administrator's reset. Who needs a second factor is the policy's to say (roadmap.policy)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from roadmap.extensions import db
from roadmap.models import RecoveryCode, User, utcnow
from roadmap.policy import second_factor_required
from roadmap.services.directory.accounts import end_sessions
from roadmap.services.platform import audit
from roadmap.services.platform.throttle import account_key, failure_store

ISSUER = "Lộ trình chuyển đổi số"
RECOVERY_CODE_COUNT = 10
# 16 characters of the base-32 alphabet: 80 random bits, typed in four groups of four.
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
STEP_SECONDS = 30
# A code of the step before or after the current one is accepted too: phones' clocks drift.
VALID_WINDOW = 1


class CodeResult(StrEnum):
    OK = "ok"
    RECOVERY_CODE_USED = "recovery"  # accepted: a recovery code, now spent
    REFUSED = "refused"
    REPLAYED = "replayed"  # a right code that was already used: refused
    LOCKED = "locked"  # too many failures (passwords and codes together): refused, whatever was typed


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str  # otpauth://… for the authenticator app
    qr_svg_data_uri: str  # the same as a QR code, drawn here (no outside service)


def is_enrolled(user: User) -> bool:
    return user.totp_secret is not None


def grace_days() -> int:
    return int(current_app.config["SECOND_FACTOR_GRACE_DAYS"])


def note_login(user: User) -> None:
    """At a password login: a user who needs a second factor and has none starts the grace period."""
    if second_factor_required(user) and not is_enrolled(user) and user.second_factor_grace_until is None:
        user.second_factor_grace_until = utcnow() + dt.timedelta(days=grace_days())


def enrolment_overdue(user: User) -> bool:
    """Needs a second factor, has none, and the grace period is over: may do nothing but enrol."""
    if not second_factor_required(user) or is_enrolled(user):
        return False
    until = user.second_factor_grace_until
    return until is not None and until <= utcnow()


def begin_enrolment(user: User) -> Enrolment:
    """A new secret for the user's authenticator app, kept aside until a first code confirms it."""
    if user.totp_pending_secret is None:
        user.totp_pending_secret = pyotp.random_base32()
        db.session.commit()
    secret = user.totp_pending_secret
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m")
    return Enrolment(secret, uri, qr.svg_data_uri(scale=4, border=2))


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code `code` is, within the window, or None."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode("ascii", "ignore")).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def confirm_enrolment(user: User, code: str, now: float | None = None) -> list[str] | None:
    """The pending secret confirmed by a first code: the second factor is on, and the ten recovery codes
    are returned (to be shown once). None when the code is not right (counted as a failure)."""
    secret = user.totp_pending_secret
    step = _matching_step(secret, _normalised(code), time.time() if now is None else now) if secret else None
    if secret is None or step is None:
        _count_failure(user, "second_factor.enrolment_failed")
        return None
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    user.second_factor_grace_until = None
    codes = _new_recovery_codes(user)
    audit.record("second_factor.enrolled", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return codes


def _count_failure(user: User, event: str) -> int:
    audit.record(event, actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return failure_store().add_failure(account_key(user.email))


def is_locked(user: User) -> bool:
    return failure_store().failures(account_key(user.email)) >= int(current_app.config["LOGIN_MAX_FAILURES"])


def verify(user: User, code: str, now: float | None = None) -> CodeResult:
    """A code typed at sign-in: the authenticator's current code (once), or an unused recovery code."""
    if is_locked(user):
        return CodeResult.LOCKED
    typed = _normalised(code)
    secret = user.totp_secret
    if secret is not None and len(typed) == 6:
        step = _matching_step(secret, typed, time.time() if now is None else now)
        if step is not None and user.totp_last_step is not None and step <= user.totp_last_step:
            _count_failure(user, "second_factor.replayed")
            return CodeResult.REPLAYED
        if step is not None:
            user.totp_last_step = step
            failure_store().clear(account_key(user.email))
            audit.record("second_factor.succeeded", actor=user, object_type="user", object_id=user.id)
            db.session.commit()
            return CodeResult.OK
    elif len(typed) == 16:
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash(typed),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = utcnow()
            failure_store().clear(account_key(user.email))
            audit.record(
                "second_factor.recovery_code_used", actor=user, object_type="user", object_id=user.id
            )
            db.session.commit()
            return CodeResult.RECOVERY_CODE_USED
    count = _count_failure(user, "second_factor.failed")
    if count >= int(current_app.config["LOGIN_MAX_FAILURES"]):
        return CodeResult.LOCKED
    return CodeResult.REFUSED


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def reset(user: User, *, actor: User) -> None:
    """An administrator's reset (a lost phone): the second factor and its recovery codes are gone, every
    session of the user ends, and the user must enrol again at the next login (no new grace period)."""
    user.totp_secret = user.totp_pending_secret = None
    user.totp_enabled_at = user.totp_last_step = None
    user.second_factor_grace_until = utcnow()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)
    audit.record("second_factor.reset", actor=actor, object_type="user", object_id=user.id)
    db.session.commit()


def require_for(user: User, required: bool, *, actor: User) -> None:
    """An administrator requires (or no longer requires) a respondent's second factor."""
    if user.second_factor_required == required:
        return
    user.second_factor_required = required
    audit.record(
        "second_factor.required" if required else "second_factor.not_required",
        actor=actor,
        object_type="user",
        object_id=user.id,
    )
    db.session.commit()

"""Accounts: logging in, passwords, creating and changing users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from roadmap.extensions import db
from roadmap.models import Office, Role, User, utcnow
from roadmap.policy import OFFICE_ROLES
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.directory import password_policy
from roadmap.services.platform import audit
from roadmap.services.platform.caching import memoised
from roadmap.services.platform.throttle import account_key, failure_store

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# A hash to check against when the account does not exist, so both cases take the same time.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105 (never an account's; only hashed to spend time)


def _method() -> str:
    # Werkzeug's scrypt defaults (n=2^15, r=8, p=1) in service; the test suite lowers the cost in its config.
    return str(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _dummy_hash() -> str:
    return _dummy_hash_by(_method())


@memoised(maxsize=4)
def _dummy_hash_by(method: str) -> str:
    return generate_password_hash(_DUMMY_PASSWORD, method=method)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def password_problems(
    password: str, field: str = "password", *, user: User | None = None, names: tuple[str, ...] = ()
) -> list[Problem]:
    """The password policy (ASVS V6.2, NIST SP 800-63B): 12 to 128 characters, any characters, no
    composition rules; not one of the 10,000 most common passwords (nor one of them repeated or with digits
    added), and not made mostly of the service's name, an office's name or code, or the user's own name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            Problem(field, _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
        ]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [Problem(field, _l("The password must have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))]
    if password_policy.is_common(password):
        return [
            Problem(
                field,
                _l(
                    "This password is among the most used passwords and easy to guess. "
                    "Choose a phrase of several words."
                ),
            )
        ]
    if password_policy.is_mostly_context(password, _context_words(user) + list(names)):
        return [
            Problem(
                field,
                _l(
                    "The password must not be made mostly of the service's name, an office's name or code, "
                    "or your own name or e-mail address."
                ),
            )
        ]
    return []


def _context_words(user: User | None) -> list[str]:
    """Words an attacker tries first against this service: its name, the offices', the user's own."""
    words = list(password_policy.PRODUCT_WORDS)
    words.append(str(current_app.config.get("CONSULTANT_DEPARTMENT") or ""))
    for code, name_vi, name_en in db.session.execute(select(Office.code, Office.name_vi, Office.name_en)):
        words += [code, name_vi, name_en]
    if user is not None:
        words += [user.email, user.email.split("@")[0], user.full_name]
    return words


def normalise_email(email: str) -> str:
    return email.strip().lower()


class LoginResult(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # wrong e-mail or password, or inactive: the user is told the same in each case
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    user: User | None = None


def authenticate(email: str, password: str) -> LoginOutcome:
    """Check a login. Failures are counted per account name (existing or not) in shared storage."""
    key = account_key(email)
    store = failure_store()
    limit = int(current_app.config["LOGIN_MAX_FAILURES"])
    if store.failures(key) >= limit:
        audit.record("login.locked", details={"account_key": key[:16]})
        db.session.commit()
        return LoginOutcome(LoginResult.LOCKED)
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid or not user.active:
        if user is not None:
            user.failed_logins += 1
            audit.record("login.failed", actor=user, object_type="user", object_id=user.id)
        else:
            audit.record("login.failed", details={"account_key": key[:16]})
        db.session.commit()
        count = store.add_failure(key)
        return LoginOutcome(LoginResult.LOCKED if count >= limit else LoginResult.REFUSED)
    store.clear(key)
    user.failed_logins = 0
    user.last_login_at = utcnow()
    audit.record("login.succeeded", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return LoginOutcome(LoginResult.OK, user)


def end_sessions(user: User) -> None:
    """Invalidate every session of the user, in every browser."""
    user.session_version += 1


def logout(user: User) -> None:
    end_sessions(user)
    audit.record("logout", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


def change_password(user: User, current: str, new: str, confirmation: str) -> None:
    problems: list[Problem] = []
    if not check_password_hash(user.password_hash, current):
        problems.append(Problem("current_password", _l("The current password is not correct.")))
    problems += password_problems(new, "new_password", user=user)
    if new != confirmation:
        problems.append(Problem("confirm_password", _l("The two new passwords do not match.")))
    if not problems and check_password_hash(user.password_hash, new):
        problems.append(Problem("new_password", _l("The new password must differ from the current one.")))
    if problems:
        raise Invalid(*problems)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)
    audit.record("password.changed", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


@dataclass(frozen=True)
class UserDetails:
    email: str
    full_name: str
    role: str
    office_code: str | None
    locale: str = "vi"


def _office_by_code(code: str | None) -> Office | None:
    if not code:
        return None
    return db.session.scalar(select(Office).where(func.upper(Office.code) == code.strip().upper()))


def _checked(details: UserDetails, existing: User | None) -> tuple[str, Office | None]:
    problems: list[Problem] = []
    email = normalise_email(details.email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        problems.append(Problem("email", _l("This is not a valid e-mail address.")))
    duplicate = db.session.scalar(select(User).where(User.email == email))
    if duplicate is not None and duplicate is not existing:
        problems.append(Problem("email", _l("An account with this e-mail address already exists.")))
    if not details.full_name.strip():
        problems.append(Problem("full_name", _l("Please enter the full name.")))
    if details.role not in {r.value for r in Role}:
        problems.append(Problem("role", _l("Unknown role.")))
    office = _office_by_code(details.office_code)
    if details.office_code and office is None:
        problems.append(
            Problem("office_code", _l("There is no office with code %(code)s.", code=details.office_code))
        )
    if details.role in OFFICE_ROLES and not details.office_code:
        problems.append(Problem("office_code", _l("A respondent must belong to an office.")))
    if details.role not in OFFICE_ROLES and details.office_code:
        problems.append(Problem("office_code", _l("Only respondents belong to an office.")))
    if details.locale not in current_app.config["LANGUAGES"]:
        problems.append(Problem("locale", _l("Unknown language.")))
    if problems:
        raise Invalid(*problems)
    return email, office


def create_user(details: UserDetails, password: str | None, *, actor: User | None) -> tuple[User, str]:
    """Create an account. Without a password, a one-time password is generated, to be changed at first login.

    Returns the user and the password to hand over (shown once, never stored in clear).
    """
    email, office = _checked(details, None)
    one_time = password is None
    if password is None:
        password = generate_one_time_password()
    problems = password_problems(password, names=(email, email.split("@")[0], details.full_name))
    if problems:
        raise Invalid(*problems)
    user = User(
        email=email,
        full_name=details.full_name.strip(),
        role=details.role,
        office_id=office.id if office else None,
        locale=details.locale,
        password_hash=hash_password(password),
        must_change_password=one_time,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"email": email, "role": details.role, "office": office.code if office else None},
    )
    db.session.commit()
    return user, password


def update_user(user: User, details: UserDetails, *, actor: User) -> None:
    email, office = _checked(details, user)
    before = {"email": user.email, "role": user.role, "office_id": user.office_id}
    role_changed = user.role != details.role or user.office_id != (office.id if office else None)
    user.email = email
    user.full_name = details.full_name.strip()
    user.role = details.role
    user.office_id = office.id if office else None
    user.locale = details.locale
    if role_changed:
        # What the user may see changed: sessions opened under the old rights end.
        end_sessions(user)
    audit.record(
        "user.updated", actor=actor, object_type="user", object_id=user.id, details={"before": before}
    )
    db.session.commit()


def set_active(user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise invalid(None, _l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_sessions(user)
    audit.record(
        "user.activated" if active else "user.deactivated", actor=actor, object_type="user", object_id=user.id
    )
    db.session.commit()


def generate_one_time_password() -> str:
    # 16 characters from an unambiguous alphabet: easy to read aloud or copy, ~80 bits.
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY345679"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def reset_password(user: User, *, actor: User) -> str:
    password = generate_one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(user)
    audit.record("password.reset", actor=actor, object_type="user", object_id=user.id)
    db.session.commit()
    return password


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)

"""Configuration from the environment (documented in README.md, section Configuration)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from roadmap.database import QueuedWriterConnection

# Keys a careless deployment might copy from an example; never accepted in production.
_KNOWN_BAD_SECRETS = {"", "dev", "change-me", "changeme", "secret", "please-change"}
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The environment does not describe a safe configuration; the app refuses to start."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def development_secret(instance_path: Path) -> str:
    """A secret key created once under instance/ and kept, so that sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions before the key is written.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def from_environment(
    instance_path: Path, environ: os._Environ[str] | dict[str, str] | None = None
) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    mode = env.get("ROADMAP_ENV", "development").strip().lower()
    if mode not in {"development", "production"}:
        raise ConfigurationError(f"ROADMAP_ENV must be 'development' or 'production', not {mode!r}.")
    production = mode == "production"

    secret = env.get("SECRET_KEY", "")
    if production:
        if secret.strip().lower() in _KNOWN_BAD_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
                "in production (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    elif not secret:
        secret = development_secret(instance_path)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'roadmap.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    upload_storage = env.get("UPLOAD_STORAGE", "local").strip().lower() or "local"
    if upload_storage not in {"local", "shared"}:
        raise ConfigurationError(f"UPLOAD_STORAGE must be 'local' or 'shared', not {upload_storage!r}.")
    if upload_storage == "shared" and not env.get("EVIDENCE_UPLOAD_DIR"):
        raise ConfigurationError("UPLOAD_STORAGE=shared needs EVIDENCE_UPLOAD_DIR (the mounted volume).")

    return {
        "ROADMAP_ENV": mode,
        "PRODUCTION": production,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATABASE_POOL_SIZE": int(env.get("DATABASE_POOL_SIZE", "5")),
        "DATABASE_MAX_OVERFLOW": int(env.get("DATABASE_MAX_OVERFLOW", "5")),
        "DATABASE_PREPARE_THRESHOLD": _prepare_threshold(env.get("DATABASE_PREPARE_THRESHOLD", "")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Background jobs (roadmap.services.platform.jobs): the RQ queue's name and the longest a job may run.
        "JOB_QUEUE": env.get("JOB_QUEUE", "roadmap"),
        "JOB_TIMEOUT_SECONDS": int(env.get("JOB_TIMEOUT_SECONDS", "600")),
        # How often each worker looks for jobs left "running" by a worker that is gone (jobs.reap).
        "JOB_REAP_INTERVAL_SECONDS": int(env.get("JOB_REAP_INTERVAL_SECONDS", "60")),
        "BABEL_DEFAULT_LOCALE": env.get("ROADMAP_DEFAULT_LOCALE", "vi"),
        "BABEL_DEFAULT_TIMEZONE": env.get("ROADMAP_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ("vi", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE"), default=production),
        "SESSION_COOKIE_NAME": "roadmap_session",
        # Survey pages stay open for hours; a CSRF token lives as long as the session (issue 5).
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", "12")),
        "LOGIN_MAX_FAILURES": 5,
        # Two-factor sign-in: how long a user who needs it may work without it, from the first login.
        "SECOND_FACTOR_GRACE_DAYS": int(env.get("SECOND_FACTOR_GRACE_DAYS", "7")),
        "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
        # Request rate limits (roadmap.web.limits), "N per second|minute|hour|day" (several joined by ";").
        # Counted in Redis when REDIS_URL is set (shared by every host), in the process otherwise.
        "RATELIMIT_ENABLED": _flag(env.get("RATE_LIMITS_ENABLED"), default=True),
        "RATE_LIMIT_LOGIN": env.get("RATE_LIMIT_LOGIN", "20 per minute;200 per hour"),
        "RATE_LIMIT_SECOND_FACTOR": env.get("RATE_LIMIT_SECOND_FACTOR", "10 per minute"),
        "RATE_LIMIT_AUTOSAVE": env.get("RATE_LIMIT_AUTOSAVE", "240 per minute"),
        "RATE_LIMIT_UPLOADS": env.get("RATE_LIMIT_UPLOADS", "30 per minute"),
        "RATE_LIMIT_REPORTS": env.get("RATE_LIMIT_REPORTS", "20 per minute"),
        "RATE_LIMIT_EXPORTS": env.get("RATE_LIMIT_EXPORTS", "30 per minute"),
        "RATE_LIMIT_API": env.get("RATE_LIMIT_API", "300 per minute"),
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # Input limits (issue 9). The whole body: 12 MB where files are sent (one 10 MB file and a page's
        # answers), 2 MB for any other form, 256 KB for a JSON autosave. In a multipart form, at most 500
        # parts (the largest survey section has about 130) and 256 KB per text part (a 5,000-character
        # answer is at most 20 KB). Field lengths are the services' (answers and notes 5,000 characters).
        "MAX_FORM_BYTES": 2 * 1024 * 1024,
        "MAX_JSON_BYTES": 256 * 1024,
        "MAX_FORM_PARTS": 500,
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        # Evidence files live outside static/, under random names; a shared volume in the scale-out shape.
        "EVIDENCE_UPLOAD_DIR": env.get("EVIDENCE_UPLOAD_DIR") or None,
        # `local` (created when missing) or `shared` (a mounted volume that must exist): services.storage.
        "UPLOAD_STORAGE": upload_storage,
        "CONSULTANT_DEPARTMENT": env.get("ROADMAP_DEPARTMENT", "Cục Bưu điện Trung ương"),
        **signing_from_environment(env),
        # E-mail (roadmap.services.platform.mail): the organisation's SMTP server. Without MAIL_SERVER no
        # mail is sent and notifications stay in the application. MAIL_SECURITY: starttls, tls or none.
        # The password comes from the environment only, and is never logged.
        **_mail_settings(env, production),
    }


def _mail_settings(env: os._Environ[str] | dict[str, str], production: bool) -> dict[str, Any]:
    security = env.get("MAIL_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in {"starttls", "tls", "none"}:
        raise ConfigurationError(f"MAIL_SECURITY must be 'starttls', 'tls' or 'none', not {security!r}.")
    server = env.get("MAIL_SERVER") or None
    return {
        "MAIL_ENABLED": server is not None,
        "MAIL_BACKEND": "smtp",  # also under TESTING: the tests talk to a real SMTP server
        "MAIL_SERVER": server or "localhost",
        "MAIL_PORT": int(env.get("MAIL_PORT") or {"tls": 465, "starttls": 587}.get(security, 25)),
        "MAIL_USE_TLS": security == "starttls",
        "MAIL_USE_SSL": security == "tls",
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_TIMEOUT": int(env.get("MAIL_TIMEOUT", "10")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_SENDER", "roadmap@localhost"),
        # Links in mails point here (the address users reach the service at).
        "PUBLIC_URL": (env.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
    }


SIGNING_ROLES = ("BODY", "SIGNATORY")


def _signed_locales(value: str) -> tuple[str, ...]:
    """Vietnamese first and always; English when listed ("vi,en"); anything else ignored."""
    wanted = {code.strip().lower() for code in value.split(",")}
    return ("vi", "en") if "en" in wanted else ("vi",)


SIGNING_KEY_SETTINGS = ("PKCS12", "PKCS11_MODULE", "PKCS11_TOKEN", "PKCS11_KEY", "SECRET_FILE")


def signing_from_environment(env: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Where the signing keys, chain, CRLs and trust anchors are (roadmap.services.reporting.signing). Only
    places: a passphrase or PIN is read from SIGNING_<ROLE>_SECRET or the secrets file when signing, and never
    enters the configuration."""
    settings: dict[str, Any] = {
        "SIGNING_REQUIRED": _flag(env.get("REPORT_SIGNING_REQUIRED"), default=False),
        "SIGNING_CHAIN": env.get("SIGNING_CHAIN") or None,
        "SIGNING_CRLS": env.get("SIGNING_CRLS") or None,
        "SIGNING_TSA_URL": env.get("SIGNING_TSA_URL") or None,
        "SIGNING_TRUST_ANCHORS": env.get("SIGNING_TRUST_ANCHORS") or None,
        # The languages whose report is signed: Vietnamese always (the administrative document), English too
        # when the office wants it ("vi,en").
        "SIGNING_LOCALES": _signed_locales(env.get("REPORT_SIGNED_LOCALES", "")),
    }
    for role in SIGNING_ROLES:
        for name in SIGNING_KEY_SETTINGS:
            key = f"SIGNING_{role}_{name}"
            settings[key] = env.get(key) or None
    return settings


# psycopg's own default: a statement run this many times on a connection is prepared on the server, and then
# only executed (the SQL is built once by SQLAlchemy, so each request's statements repeat).
DEFAULT_PREPARE_THRESHOLD = 5


def _prepare_threshold(text: str) -> int | None:
    """DATABASE_PREPARE_THRESHOLD: a number of executions (0: prepare every statement at once), or "off"
    (never prepare: PgBouncer in transaction mode without prepared-statement support)."""
    value = text.strip().lower()
    if not value:
        return DEFAULT_PREPARE_THRESHOLD
    if value in {"off", "none", "no"}:
        return None
    if not value.isdigit():
        raise ConfigurationError(
            f"DATABASE_PREPARE_THRESHOLD must be a number of executions or 'off', not {text!r}."
        )
    return int(value)


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """Engine options for the final database URL (tests may replace the URL after the environment)."""
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # WAL, foreign keys and the busy timeout are set per connection in roadmap.database.

        return {"connect_args": {"timeout": 15, "factory": QueuedWriterConnection}}
    return {
        "pool_size": config["DATABASE_POOL_SIZE"],
        "max_overflow": config["DATABASE_MAX_OVERFLOW"],
        # Connections idle for a second are checked at checkout instead (roadmap.database._ping_if_idle).
        "pool_pre_ping": False,
        "connect_args": {
            "prepare_threshold": config.get("DATABASE_PREPARE_THRESHOLD", DEFAULT_PREPARE_THRESHOLD)
        },
    }

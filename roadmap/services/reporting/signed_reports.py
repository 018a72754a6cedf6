"""The signing step of the workflow: the approved report signed, stored as a version, audited; the images
of the signatures' appearance that an administrator uploads.

A consultant (or administrator) signs the approved or published report: it is rendered now, signed by the
configured signatory and body (roadmap.services.reporting.signing) and stored; the signed file is what
readers download from then on. Signing again — after a correction — adds a version and marks the previous one
superseded; nothing is deleted. With REPORT_SIGNING_REQUIRED, publication waits for a signed Vietnamese report
(roadmap.services.review.workflow asks `SignedReport` directly: review sits below reporting).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import bindparam, select

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, SignedReport, SigningAppearanceRecord, User, utcnow
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.platform import audit
from roadmap.services.platform.storage import new_key, storage
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import formats, signing
from roadmap.services.reporting import settings as report_settings

SIGNABLE = (AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 3000


def signing_required() -> bool:
    return bool(current_app.config.get("SIGNING_REQUIRED"))


def signing_configured() -> bool:
    return signing.key_source(current_app.config, "body") is not None


# --- the appearance's images ---------------------------------------------------------------------------


def _latest_appearance() -> SigningAppearanceRecord | None:
    return db.session.scalar(
        select(SigningAppearanceRecord).order_by(SigningAppearanceRecord.id.desc()).limit(1)
    )


def appearance() -> signing.Appearance:
    """What the signatures show: the body's name from the report settings, the images in force."""
    record = _latest_appearance()
    return signing.Appearance(
        body_name=report_settings.current().issuing_body,
        seal_png=record.seal_png if record else None,
        signature_png=record.signature_png if record else None,
        timezone=current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"),
    )


def image_problem(field: str, content: bytes) -> Problem | None:
    """Why an uploaded image cannot be the seal or the signature (None when it can)."""
    if len(content) > MAX_IMAGE_BYTES:
        return Problem(
            field, _l("The image is too large (at most %(limit)d KB).", limit=MAX_IMAGE_BYTES // 1024)
        )
    if not content.startswith(PNG_MAGIC):
        return Problem(field, _l("The image must be a PNG file (with a transparent background)."))
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return Problem(field, _l("The image is damaged and cannot be read."))
    if max(width, height) > MAX_IMAGE_SIDE:
        return Problem(
            field, _l("The image is too large (at most %(limit)d pixels a side).", limit=MAX_IMAGE_SIDE)
        )
    return None


def save_appearance(*, seal_png: bytes | None, signature_png: bytes | None, actor: User) -> None:
    """Store new images (an image not given keeps the one in force); Invalid, with nothing stored, when an
    image is not a readable PNG of a sensible size. Audited; the caller commits."""
    found = [
        problem
        for field, content in (("seal", seal_png), ("signature", signature_png))
        if content is not None and (problem := image_problem(field, content)) is not None
    ]
    if found:
        raise Invalid(*found)
    before = _latest_appearance()
    record = SigningAppearanceRecord(
        seal_png=seal_png if seal_png is not None else (before.seal_png if before else None),
        signature_png=signature_png
        if signature_png is not None
        else (before.signature_png if before else None),
        saved_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "signing_appearance.saved",
        actor=actor,
        object_type="signing_appearance",
        object_id=record.id,
        details={
            "seal": hashlib.sha256(record.seal_png).hexdigest() if record.seal_png else None,
            "signature": hashlib.sha256(record.signature_png).hexdigest() if record.signature_png else None,
        },
    )


# --- signed versions -----------------------------------------------------------------------------------


def versions(assessment: Assessment) -> Sequence[SignedReport]:
    """Every signed version of the assessment's report, the newest first."""
    return db.session.scalars(
        select(SignedReport)
        .where(SignedReport.assessment_id == assessment.id)
        .order_by(SignedReport.locale, SignedReport.version.desc())
    ).all()


def current(assessment: Assessment, locale: str) -> SignedReport | None:
    """The signed version in force in this language (None before the first signing)."""
    return db.session.scalar(_CURRENT, {"assessment_id": assessment.id, "locale": locale})


# The version in force of an assessment's report in a language, built once with bound parameters
# ("assessment_id", "locale"): every report download asks (statement building costs more than the query).
_IN_FORCE = (
    SignedReport.assessment_id == bindparam("assessment_id"),
    SignedReport.locale == bindparam("locale"),
    SignedReport.superseded_at.is_(None),
)
_CURRENT = select(SignedReport).where(*_IN_FORCE)
# Its id, for a statement that reads it with other things (a download's key: reporting.jobs).
ID_IN_FORCE = select(SignedReport.id).where(*_IN_FORCE).scalar_subquery()


def is_stale(record: SignedReport, assessment: Assessment) -> bool:
    """Whether the report has changed since this version was signed (a correction: sign again)."""
    return record.content_version != report_cache.content_version(assessment)


def signed_file(record: SignedReport) -> bytes:
    """The stored signed PDF, checked against the digest recorded when it was signed."""
    with storage().open(record.storage_key) as stream:
        content = stream.read()
    if hashlib.sha256(content).hexdigest() != record.sha256:
        raise OSError(f"signed report {record.id}: the stored file does not match its digest")
    return content


def sign(assessment: Assessment, *, actor: User, locales: Sequence[str] | None = None) -> list[SignedReport]:
    """Sign the assessment's report in each language (SIGNING_LOCALES: Vietnamese, and English when the
    office wants it) now: a new version each, the previous one superseded.
    Invalid when the assessment is not approved or published; SigningUnavailable when keys are missing or
    unusable (nothing stored then). Audited; commits."""
    if assessment.status_enum not in SIGNABLE:
        raise invalid(None, _l("Only an approved or published assessment's report can be signed."))
    signed: list[SignedReport] = []
    shown = report_cache.content_version(assessment)
    for locale in locales or current_app.config.get("SIGNING_LOCALES", ("vi",)):
        with force_locale(locale):
            pdf = formats.render(assessment, "pdf", locale)
        content, signers = signing.sign_report(pdf, current_app.config, appearance())
        previous = current(assessment, locale)
        key = new_key()
        storage().put(key, content)
        record = SignedReport(
            assessment_id=assessment.id,
            locale=locale,
            version=(previous.version + 1) if previous else _next_version(assessment, locale),
            storage_key=key,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content_version=shown,
            signers=[
                {
                    "role": by.role,
                    "subject": by.subject,
                    "serial": by.serial,
                    "signed_at": by.signed_at.isoformat(),
                }
                for by in signers
            ],
            signed_by_id=actor.id,
        )
        db.session.add(record)
        db.session.flush()
        if previous is not None:
            previous.superseded_at = utcnow()
            previous.superseded_by_id = record.id
        audit.record(
            "report.signed",
            actor=actor,
            object_type="assessment",
            object_id=assessment.id,
            details={
                "locale": locale,
                "version": record.version,
                "sha256": record.sha256,
                "signers": record.signers,
                "supersedes": previous.version if previous else None,
            },
        )
        signed.append(record)
    db.session.commit()
    return signed


def _next_version(assessment: Assessment, locale: str) -> int:
    latest = db.session.scalar(
        select(SignedReport.version)
        .where(SignedReport.assessment_id == assessment.id, SignedReport.locale == locale)
        .order_by(SignedReport.version.desc())
        .limit(1)
    )
    return (latest or 0) + 1

"""Evidence behind an answer: a note, a document reference (number and date), files, and evidence sighted on
site (classified material a consultant saw and records instead of an upload: what, when, where, who).

Files are checked by their content, never by their name (an executable renamed `.pdf` is refused), kept
outside `static/` under random keys through the storage interface (roadmap.services.platform.storage: a local
folder by default, a shared volume or an object store in the scale-out shape), and served only as attachments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadmap.engine.framework import Question
from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    Evidence,
    EvidenceFile,
    SightedEvidence,
    User,
    utcnow,
)
from roadmap.policy import Action, permits
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.platform import audit
from roadmap.services.platform import storage as storage_module
from roadmap.services.platform.clock import local_today
from roadmap.services.platform.storage import Storage
from roadmap.services.platform.text import checked_text
from roadmap.services.survey import lifecycle
from roadmap.services.survey.assessments import ensure_editable

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_QUESTION = 20
NOTE_MAX_LENGTH = 5000
DOCUMENT_NUMBER_MAX_LENGTH = 128
# Office documents are zip files; only their manifest is read, and only when it is of a sane size.
_MANIFEST = "[Content_Types].xml"
_MANIFEST_MAX_BYTES = 1024 * 1024


class FileTooLarge(Exception):  # noqa: N818 (the web layer answers it with 413)
    """An uploaded file is over MAX_FILE_BYTES; nothing was stored."""


# --- storage -----------------------------------------------------------------------------------------

# The interface and its implementations live in roadmap.services.platform.storage; kept here under the old
# names.
EvidenceStorage = Storage
LocalStorage = storage_module.LocalStorage


def storage() -> Storage:
    return storage_module.storage()


# --- file types by content ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str


PDF = FileKind("pdf", "application/pdf")
PNG = FileKind("png", "image/png")
JPEG = FileKind("jpg", "image/jpeg")
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# The main part that makes a zip a Word or Excel document (macro-enabled variants are not accepted).
_OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}


def detect_kind(content: bytes) -> FileKind | None:
    """The accepted type that the bytes really are, or None."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    return None


def _office_kind(content: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo(_MANIFEST)
            if info.file_size > _MANIFEST_MAX_BYTES:
                return None
            manifest = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    for part, kind in _OFFICE_MAIN_PARTS.items():
        if f'ContentType="{part}"' in manifest:
            return kind
    return None


def safe_file_name(name: str, kind: FileKind) -> str:
    """A display and download name: no path, no control characters, and the extension of the real type."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base.strip(" .")
    stem = stem[:200] or "evidence"
    return f"{stem}.{kind.extension}"


# --- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionEvidence:
    """What backs the answers of some questions: evidence rows and files, by question code."""

    notes: dict[str, Evidence]
    files: dict[str, list[EvidenceFile]]
    sighted: dict[str, list[SightedEvidence]]


def of_questions(assessment: Assessment, codes: Iterable[str]) -> QuestionEvidence:
    """Evidence of the given questions in three queries, whatever their number."""
    return _evidence(assessment, list(codes))


def of_assessment(assessment: Assessment) -> QuestionEvidence:
    """Evidence of every question of the assessment, in three queries: a page that shows some questions and
    scores them all reads its evidence once (`codes_of` gives the scoring's set from it)."""
    return _evidence(assessment, None)


def _evidence(assessment: Assessment, wanted: list[str] | None) -> QuestionEvidence:
    """Notes, files and sightings of the assessment, of the `wanted` questions only unless None."""
    notes_query = select(Evidence).where(Evidence.assessment_id == assessment.id)
    files_query = select(EvidenceFile).where(EvidenceFile.assessment_id == assessment.id)
    sighted_query = select(SightedEvidence).where(SightedEvidence.assessment_id == assessment.id)
    if wanted is not None:
        notes_query = notes_query.where(Evidence.question_code.in_(wanted))
        files_query = files_query.where(EvidenceFile.question_code.in_(wanted))
        sighted_query = sighted_query.where(SightedEvidence.question_code.in_(wanted))
    notes = {row.question_code: row for row in db.session.scalars(notes_query)}
    files: dict[str, list[EvidenceFile]] = {}
    for row in db.session.scalars(files_query.order_by(EvidenceFile.uploaded_at, EvidenceFile.id)):
        files.setdefault(row.question_code, []).append(row)
    sighted: dict[str, list[SightedEvidence]] = {}
    for record in db.session.scalars(sighted_query.order_by(SightedEvidence.sighted_on, SightedEvidence.id)):
        sighted.setdefault(record.question_code, []).append(record)
    return QuestionEvidence(notes, files, sighted)


def codes_of(backing: QuestionEvidence) -> set[str]:
    """The questions with evidence, as `answers.evidence_codes` reads them from the database: a note or a
    document number with more than spaces (SQL's trim), a file, or a record of evidence sighted on site."""
    noted = {
        code
        for code, row in backing.notes.items()
        if (row.note or "").strip(" ") or (row.document_number or "").strip(" ")
    }
    return noted | set(backing.files) | set(backing.sighted)


def file_of(assessment: Assessment, file_id: int) -> EvidenceFile | None:
    """The file, only if it belongs to this assessment (so an id of another office's file finds nothing)."""
    return db.session.scalar(
        select(EvidenceFile).where(EvidenceFile.id == file_id, EvidenceFile.assessment_id == assessment.id)
    )


def open_file(row: EvidenceFile) -> IO[bytes]:
    return storage().open(row.storage_key)


# --- note and document reference ---------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceText:
    note: str
    document_number: str
    document_date: dt.date | None


def parse_text(note: str | None, document_number: str | None, document_date: str | None) -> EvidenceText:
    """Checked note and document reference from posted strings; raises Invalid with every problem."""
    problems: list[Problem] = []
    labels = {"note": _l("Note"), "document_number": _l("Document number")}
    typed = {"note": note or "", "document_number": document_number or ""}
    for field, value in typed.items():
        try:
            typed[field] = checked_text(value, field, labels[field])
        except Invalid as error:
            problems.extend(error.problems)
    note = typed["note"].strip()
    number = typed["document_number"].strip()
    if len(note) > NOTE_MAX_LENGTH:
        problems.append(
            Problem("note", _l("The note is too long (at most %(max)d characters).", max=NOTE_MAX_LENGTH))
        )
    if len(number) > DOCUMENT_NUMBER_MAX_LENGTH:
        problems.append(
            Problem(
                "document_number",
                _l(
                    "The document number is too long (at most %(max)d characters).",
                    max=DOCUMENT_NUMBER_MAX_LENGTH,
                ),
            )
        )
    date = None
    if (document_date or "").strip():
        try:
            date = dt.date.fromisoformat((document_date or "").strip())
        except ValueError:
            problems.append(Problem("document_date", _l("Please enter the document date as a valid date.")))
        else:
            if date > dt.datetime.now(get_timezone()).date():
                problems.append(Problem("document_date", _l("The document date cannot be in the future.")))
    if problems:
        raise Invalid(*problems)
    return EvidenceText(note, number, date)


def save_text(assessment: Assessment, question: Question, text: EvidenceText, *, actor: User) -> bool:
    """Store the note and document reference of a question; returns whether anything changed.

    Evidence text is last-writer-wins: unlike an answer, it does not change the score by its content, only
    by its presence."""
    row = db.session.scalar(
        select(Evidence).where(
            Evidence.assessment_id == assessment.id, Evidence.question_code == question.code
        )
    )
    current = (
        EvidenceText(row.note, row.document_number, row.document_date)
        if row is not None
        else EvidenceText("", "", None)
    )
    if current == text:
        return False
    ensure_editable(assessment, actor)
    now = utcnow()
    if not (text.note or text.document_number or text.document_date):
        if row is not None:
            db.session.delete(row)
    else:
        if row is None:
            row = Evidence(assessment_id=assessment.id, question_code=question.code)
            db.session.add(row)
        row.note = text.note
        row.document_number = text.document_number
        row.document_date = text.document_date
        row.updated_at = now
        row.updated_by_id = actor.id
    assessment.updated_at = now
    assessment.last_edited_by_id = actor.id
    db.session.commit()
    return True


# --- files -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    """An upload read and checked, not yet stored."""

    name: str
    kind: FileKind
    content: bytes


def check_upload(filename: str | None, stream: IO[bytes]) -> CheckedUpload:
    """Read an upload (at most MAX_FILE_BYTES) and check its type by content; FileTooLarge or Invalid."""
    filename = checked_text(filename or "", "files", _l("File name"))
    content = stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLarge
    if not content:
        raise invalid("files", _l("The file %(name)s is empty.", name=filename or ""))
    kind = detect_kind(content)
    if kind is None:
        raise invalid(
            "files",
            _l(
                "The file %(name)s is not a PDF, PNG, JPEG, Word (DOCX) or Excel (XLSX) document.",
                name=filename or "",
            ),
        )
    return CheckedUpload(safe_file_name(filename or "", kind), kind, content)


def add_files(
    assessment: Assessment, question: Question, uploads: list[CheckedUpload], *, actor: User
) -> list[EvidenceFile]:
    """Store checked uploads for a question, all or none."""
    if not uploads:
        return []
    ensure_editable(assessment, actor)
    count = db.session.scalar(
        select(func.count())
        .select_from(EvidenceFile)
        .where(EvidenceFile.assessment_id == assessment.id, EvidenceFile.question_code == question.code)
    )
    if (count or 0) + len(uploads) > MAX_FILES_PER_QUESTION:
        db.session.rollback()
        raise invalid("files", _l("A question can have at most %(max)d files.", max=MAX_FILES_PER_QUESTION))
    store = storage()
    stored_keys: list[str] = []
    rows: list[EvidenceFile] = []
    now = utcnow()
    try:
        for upload in uploads:
            key = storage_module.new_key()
            store.put(key, upload.content)
            stored_keys.append(key)
            row = EvidenceFile(
                assessment_id=assessment.id,
                question_code=question.code,
                storage_key=key,
                original_name=upload.name,
                content_type=upload.kind.content_type,
                size=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                uploaded_at=now,
                uploaded_by_id=actor.id,
            )
            db.session.add(row)
            rows.append(row)
        db.session.flush()
        for row in rows:
            audit.record(
                "evidence.file_added",
                actor=actor,
                object_type="assessment",
                object_id=assessment.id,
                details={
                    "question": question.code,
                    "file": row.id,
                    "name": row.original_name,
                    "size": row.size,
                },
            )
        assessment.updated_at = now
        assessment.last_edited_by_id = actor.id
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for key in stored_keys:  # no orphan blobs when the database refused the rows
            store.delete(key)
        raise
    return rows


def remove_file(assessment: Assessment, row: EvidenceFile, *, actor: User) -> None:
    ensure_editable(assessment, actor)
    key = row.storage_key
    audit.record(
        "evidence.file_removed",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"question": row.question_code, "file": row.id, "name": row.original_name},
    )
    db.session.delete(row)
    assessment.updated_at = utcnow()
    assessment.last_edited_by_id = actor.id
    db.session.commit()
    # After the commit: a failed commit must not leave a row pointing at a deleted blob.
    storage().delete(key)


# --- sighted on site ---------------------------------------------------------------------------------------

SIGHTED_DESCRIPTION_MAX_LENGTH = 500
SIGHTED_PLACE_MAX_LENGTH = 300
# Once approved the result is frozen: evidence that would change it is no longer recorded or removed.
SIGHTED_CLOSED_STATUSES = frozenset({AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED})


class SightedClosed(Invalid):
    """The assessment's status, not the input, forbids the change (the web layer answers 409)."""


@dataclass(frozen=True)
class Sighting:
    """What a consultant saw on site, checked: the person is not typed, it is whoever records it."""

    description: str
    place: str
    sighted_on: dt.date


def parse_sighting(description: str | None, place: str | None, sighted_on: str | None) -> Sighting:
    """Checked description, place and day of the visit from posted strings; raises Invalid with every
    problem (nothing is stored)."""
    problems: list[Problem] = []
    labels = {"description": _l("What was sighted"), "place": _l("Place sighted")}
    limits = {"description": SIGHTED_DESCRIPTION_MAX_LENGTH, "place": SIGHTED_PLACE_MAX_LENGTH}
    typed = {"description": description or "", "place": place or ""}
    for name, value in typed.items():
        try:
            typed[name] = " ".join(checked_text(value, name, labels[name]).split())
        except Invalid as error:
            problems.extend(error.problems)
            typed[name] = ""
            continue
        if not typed[name]:
            message = (
                _l("Please say briefly what was sighted (never its content).")
                if name == "description"
                else _l("Please say where it was sighted.")
            )
            problems.append(Problem(name, message))
        elif len(typed[name]) > limits[name]:
            problems.append(
                Problem(name, _l("The text is too long (at most %(max)d characters).", max=limits[name]))
            )
    day: dt.date | None = None
    raw = (sighted_on or "").strip()
    if not raw:
        problems.append(Problem("sighted_on", _l("Please give the date of the visit.")))
    else:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(Problem("sighted_on", _l("Please enter the date of the visit as a valid date.")))
        else:
            if day > local_today():
                problems.append(Problem("sighted_on", _l("The date of the visit cannot be in the future.")))
    if problems or day is None:
        raise Invalid(*problems)
    return Sighting(typed["description"], typed["place"], day)


def _ensure_may_record(assessment: Assessment, actor: User) -> None:
    if not permits(actor, Action.RECORD_SIGHTED_EVIDENCE, assessment):
        raise invalid(None, _l("Only the office's consultants record or remove evidence sighted on site."))
    if assessment.status_enum in SIGHTED_CLOSED_STATUSES:
        raise SightedClosed(
            Problem(
                None,
                _l(
                    "This assessment is “%(status)s”: its result is frozen, so evidence sighted on site "
                    "can no longer be recorded or removed.",
                    status=lifecycle.STATUS_LABELS[assessment.status_enum],
                ),
            )
        )


def record_sighting(
    assessment: Assessment, question: Question, sighting: Sighting, *, actor: User
) -> SightedEvidence:
    """Record that `actor` sighted evidence of `question` on site; audited; commits. It counts as evidence
    (answers.evidence_codes) from then on, in every status before approval."""
    _ensure_may_record(assessment, actor)
    row = SightedEvidence(
        assessment_id=assessment.id,
        question_code=question.code,
        description=sighting.description,
        place=sighting.place,
        sighted_on=sighting.sighted_on,
        sighted_by_id=actor.id,
        sighted_by_name=actor.full_name,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "evidence.sighted_recorded",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={
            "question": question.code,
            "sighted": row.id,
            "description": row.description,
            "place": row.place,
            "sighted_on": row.sighted_on.isoformat(),
        },
    )
    db.session.commit()
    return row


def sighting_of(assessment: Assessment, sighting_id: int) -> SightedEvidence | None:
    """The record, only if it belongs to this assessment."""
    return db.session.scalar(
        select(SightedEvidence).where(
            SightedEvidence.id == sighting_id, SightedEvidence.assessment_id == assessment.id
        )
    )


def remove_sighting(assessment: Assessment, row: SightedEvidence, *, actor: User) -> None:
    """Remove a record of sighted evidence (a wrong question, a mistaken entry); audited with what it said."""
    _ensure_may_record(assessment, actor)
    audit.record(
        "evidence.sighted_removed",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={
            "question": row.question_code,
            "sighted": row.id,
            "description": row.description,
            "place": row.place,
            "sighted_on": row.sighted_on.isoformat(),
            "sighted_by": row.sighted_by_name,
        },
    )
    db.session.delete(row)
    db.session.commit()

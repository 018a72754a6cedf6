"""Completion evidence files of a tracked initiative (issue 22): the same kinds of evidence as answers have
(a note and a document reference, kept on the tracking row, and files, kept here).

Files go through the answers' checks (roadmap.services.survey.evidence.check_upload: the type by content,
never by name; at most MAX_FILE_BYTES; a safe display name) and the same storage (random keys outside
static/), and are served only as attachments to those who may see the roadmap. They are added with the
office's progress report (`tracking.update_progress(..., uploads=...)`), which counts them as completion
evidence, so that a mandatory initiative marked done with a file and nothing else is accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import IO

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, TrackingEvidenceFile, TrackingStatus, User, utcnow
from roadmap.services import invalid
from roadmap.services.platform import audit
from roadmap.services.platform import storage as storage_module
from roadmap.services.survey.evidence import CheckedUpload

MAX_FILES_PER_INITIATIVE = 20


def files_of(assessment: Assessment) -> dict[str, list[TrackingEvidenceFile]]:
    """Every initiative's files, oldest first, in one query."""
    found: dict[str, list[TrackingEvidenceFile]] = {}
    for row in db.session.scalars(
        select(TrackingEvidenceFile)
        .where(TrackingEvidenceFile.assessment_id == assessment.id)
        .order_by(TrackingEvidenceFile.uploaded_at, TrackingEvidenceFile.id)
    ):
        found.setdefault(row.initiative_code, []).append(row)
    return found


def count_of(assessment: Assessment, code: str) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(TrackingEvidenceFile)
            .where(
                TrackingEvidenceFile.assessment_id == assessment.id,
                TrackingEvidenceFile.initiative_code == code,
            )
        )
        or 0
    )


def file_of(assessment: Assessment, file_id: int) -> TrackingEvidenceFile | None:
    """The file, only if it belongs to this roadmap (an id of another office's file finds nothing)."""
    return db.session.scalar(
        select(TrackingEvidenceFile).where(
            TrackingEvidenceFile.id == file_id, TrackingEvidenceFile.assessment_id == assessment.id
        )
    )


def open_file(row: TrackingEvidenceFile) -> IO[bytes]:
    return storage_module.storage().open(row.storage_key)


def check_room(assessment: Assessment, code: str, adding: int) -> None:
    if adding and count_of(assessment, code) + adding > MAX_FILES_PER_INITIATIVE:
        raise invalid(
            "evidence_files",
            _l("An initiative can have at most %(max)d files.", max=MAX_FILES_PER_INITIATIVE),
        )


def store(assessment: Assessment, code: str, uploads: Sequence[CheckedUpload], *, actor: User) -> list[str]:
    """Put checked uploads in the storage and their rows in the session, audited; returns the storage keys
    written, which the caller discards (`discard`) if its transaction does not commit. Does not commit."""
    store = storage_module.storage()
    keys: list[str] = []
    rows: list[TrackingEvidenceFile] = []
    now = utcnow()
    try:
        for upload in uploads:
            key = storage_module.new_key()
            store.put(key, upload.content)
            keys.append(key)
            row = TrackingEvidenceFile(
                assessment_id=assessment.id,
                initiative_code=code,
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
    except BaseException:
        discard(keys)
        raise
    for row in rows:
        audit.record(
            "tracking.file_added",
            actor=actor,
            object_type="assessment",
            object_id=assessment.id,
            details={"initiative": code, "file": row.id, "name": row.original_name, "size": row.size},
        )
    return keys


def discard(keys: Iterable[str]) -> None:
    """Delete blobs whose rows were not committed (no orphan files)."""
    store = storage_module.storage()
    for key in keys:
        store.delete(key)


def remove(assessment: Assessment, row: TrackingEvidenceFile, *, actor: User) -> None:
    """Remove a file. Refused on a roadmap no longer published, and when it is the last evidence of a
    mandatory initiative marked done (its completion would stand on nothing). Commits."""
    from roadmap.services.plans import tracking  # tracking imports this module

    if assessment.status_enum is not AssessmentStatus.PUBLISHED:
        raise invalid(
            None,
            _l("Progress is followed only on a published roadmap: this roadmap has not been published yet."),
        )
    line = next((line for line in tracking.lines(assessment) if line.code == row.initiative_code), None)
    if line is not None and line.mandatory and line.status is TrackingStatus.DONE:
        state = line.state
        if (
            not (state["evidence_note"] or state["evidence_document"])
            and count_of(assessment, line.code) <= 1
        ):
            raise invalid(
                "evidence_files",
                _l(
                    "This file is the only completion evidence of a mandatory initiative marked done: add "
                    "other evidence first, or change its status."
                ),
            )
    key = row.storage_key
    audit.record(
        "tracking.file_removed",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"initiative": row.initiative_code, "file": row.id, "name": row.original_name},
    )
    db.session.delete(row)
    db.session.commit()
    storage_module.storage().delete(key)  # after the commit: no row left pointing at a deleted blob

"""Rendered reports kept on disk, keyed by what they show; shared by the PDF ("pdf") and the Word export
("docx").

The key is a digest of what the report shows of the assessment — status, answers, evidence, targets,
overrides, evidence reviews, the roadmap's change counter, the office's and cycle's names, the peers (the
cycle's reviewed version), the office profile — with the locale, the template version and the report
settings. Any change gives a new key, so a stale file is never served; storing a new file removes the older
ones of the same assessment, kind and locale. Files live under `REPORT_CACHE_DIR` (default
`instance/report-cache`), so every worker process of a host shares them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import String, bindparam, cast, func, literal_column, select

from roadmap.extensions import db
from roadmap.models import Assessment, OfficeProfileAnswer, RoadmapState
from roadmap.services.reporting import settings as report_settings
from roadmap.services.review import portfolio

KINDS = ("pdf", "docx")


def directory() -> Path:
    configured = current_app.config.get("REPORT_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "report-cache"


def _roadmap_version(assessment_id: Any) -> Any:
    return select(RoadmapState.version).where(RoadmapState.assessment_id == assessment_id).scalar_subquery()


def _profile(office_id: Any) -> Any:
    profile = OfficeProfileAnswer.question_code + ":" + cast(OfficeProfileAnswer.version, String)
    return (
        # The separator as SQL text: given as a string, SQLAlchemy writes it into the statement at each run
        # (a literal_execute parameter), which re-processes the statement's text every time.
        select(func.aggregate_strings(profile, literal_column("','")))
        .where(OfficeProfileAnswer.office_id == office_id)
        .scalar_subquery()
    )


# What the content version reads besides the assessment: its roadmap's change counter, its cycle's peers'
# figures as counted (the form signed reports' digests were taken with) and its office's profile answers
# (each "code:version", joined by commas; question codes are letters, digits and hyphens).
_SHARED = select(
    _roadmap_version(bindparam("assessment_id")),
    *portfolio.peer_version_columns(bindparam("cycle_id")),
    _profile(bindparam("office_id")),
)


def key_columns(assessment_id: Any, cycle_id: Any, office_id: Any) -> tuple[Any, ...]:
    """What `key` reads besides the assessment, for a caller that reads it with more in one statement (a
    download: reporting.jobs) and hands the row to `key_of`: the ids as bound parameters, or as the columns
    of the assessment that statement loads. The peers are the cycle's reviewed version, which the database
    moves whenever they may have changed: one row read, where the content version (signed reports) counts
    the cycle's reviewed assessments (cheap to build a statement from, costly to run on every download of
    a large cycle: cached statements build once and run often)."""
    return (
        _roadmap_version(assessment_id),
        portfolio.peer_version_column(cycle_id),
        _profile(office_id),
        *report_settings.latest_row_columns(),
    )


# What `key` reads, in one statement with the parameters of `key_parameters`.
_KEY = select(*key_columns(bindparam("assessment_id"), bindparam("cycle_id"), bindparam("office_id")))


def key_parameters(assessment: Assessment) -> dict[str, int]:
    return {
        "assessment_id": assessment.id,
        "cycle_id": assessment.cycle_id,
        "office_id": assessment.office_id,
    }


def content_version(assessment: Assessment) -> str:
    """A digest that changes whenever anything the report shows of this assessment changes: its answers,
    evidence, targets, overrides and evidence checks (summed up by the revision the database keeps), its
    status and names, its roadmap's change counter, the peers' figures of its cycle, its office's profile.
    (Signed reports keep this digest: its parts and their form never change.)"""
    roadmap_version, *peers, profile = db.session.execute(_SHARED, key_parameters(assessment)).one()
    return _version(assessment, roadmap_version, tuple(peers), profile)


def _version(assessment: Assessment, roadmap_version: Any, peers: object, profile: str | None) -> str:
    parts: list[object] = [
        assessment.id,
        assessment.revision,
        assessment.status,
        assessment.status_version,
        assessment.updated_at,
        assessment.framework_version_id,
        assessment.office.code,
        assessment.office.name_vi,
        assessment.office.name_en,
        assessment.cycle.code,
        assessment.cycle.name_vi,
        assessment.cycle.name_en,
        roadmap_version,
        peers,
        # The office profile decides what applies by rule: it is the office's, outside the revision.
        # As (code, version) pairs in order: the form signed reports' digests were taken with.
        sorted((code, int(version)) for code, version in (item.rsplit(":", 1) for item in profile.split(",")))
        if profile
        else [],
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def key(assessment: Assessment, *, kind: str, locale: str, template_version: str, day: object) -> str:
    # The roadmap's counter, the peers and the settings in force in one statement: a cached download's
    # round trips are few.
    row = db.session.execute(_KEY, key_parameters(assessment)).one()
    return key_of(
        assessment, tuple(row), kind=kind, locale=locale, template_version=template_version, day=day
    )


def key_of(
    assessment: Assessment,
    row: tuple[Any, ...],
    *,
    kind: str,
    locale: str,
    template_version: str,
    day: object,
) -> str:
    """`key` from the values of `key_columns` read by the caller."""
    roadmap_version, reviewed_version, profile, settings_id, settings_saved = row
    settings = report_settings.in_force(settings_id, settings_saved)
    version = _version(assessment, roadmap_version, ("reviewed", reviewed_version), profile)
    material = repr((version, kind, locale, template_version, settings, day))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _path(assessment_id: int, kind: str, locale: str, digest: str) -> Path:
    if kind not in KINDS:
        raise ValueError(kind)
    return directory() / f"{assessment_id}-{locale}-{digest}.{kind}"


def get_or_make(
    assessment_id: int, *, kind: str, locale: str, digest: str, make: Callable[[], bytes]
) -> bytes:
    """The rendering kept under `digest`, or `make()` now and kept."""
    content = get(assessment_id, kind=kind, locale=locale, digest=digest)
    if content is None:
        content = make()
        put(assessment_id, kind=kind, locale=locale, digest=digest, content=content)
    return content


def path_of(assessment_id: int, *, kind: str, locale: str, digest: str) -> Path | None:
    """The file of the rendering kept under `digest`, if there is one (to be streamed, not read)."""
    path = _path(assessment_id, kind, locale, digest)
    return path if path.is_file() else None


def get(assessment_id: int, *, kind: str, locale: str, digest: str) -> bytes | None:
    try:
        return _path(assessment_id, kind, locale, digest).read_bytes()
    except FileNotFoundError:
        return None


def put(assessment_id: int, *, kind: str, locale: str, digest: str, content: bytes) -> None:
    """Store atomically (a reader never sees half a file) and drop this report's older renderings."""
    target = _path(assessment_id, kind, locale, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(f"{assessment_id}-{locale}-*.{kind}"):
        if old != target:
            old.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(content)
    os.replace(temporary, target)


def clear(assessment_id: int | None = None) -> int:
    """Remove cached renderings (of one assessment, or all); returns how many."""
    root = directory()
    if not root.exists():
        return 0
    pattern = f"{assessment_id}-*" if assessment_id is not None else "*-*"
    removed = 0
    for path in root.glob(pattern):
        path.unlink(missing_ok=True)
        removed += 1
    return removed

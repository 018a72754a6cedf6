"""Framework versions: validate a file, import it once, list (with the cycles that use each), export, load
for scoring, and the administrator's upload: validation report, difference from an earlier version, import.

A version's content is identified by its fingerprint. Importing the same content again is harmless; importing
changed content under an existing version is refused, because assessments may already rest on it. Importing
never changes a cycle: each cycle keeps the version it was opened with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadmap.engine.diff import FrameworkDiff, diff_frameworks
from roadmap.engine.export import export_framework
from roadmap.engine.framework import Framework
from roadmap.engine.loader import FrameworkError, Problem, load_framework_text
from roadmap.extensions import db
from roadmap.models import Assessment, Cycle, FrameworkVersion, User
from roadmap.services import invalid
from roadmap.services.platform import audit, storage
from roadmap.services.platform.caching import memoised

SHIPPED_FRAMEWORKS = Path(__file__).resolve().parents[2] / "frameworks"
# The default version for a new cycle, until the lead makes the 2026 framework the default.
SHIPPED_FRAMEWORK = SHIPPED_FRAMEWORKS / "central-offices-1.0.1.yaml"
# The version the 2025 assessments and their snapshots were made on, and the 2026 cycle's framework.
FRAMEWORK_2025 = SHIPPED_FRAMEWORKS / "central-offices-1.0.0.yaml"
FRAMEWORK_2026 = SHIPPED_FRAMEWORKS / "central-offices-1.1.0.yaml"


def read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise invalid(
            "path", _l("The file %(path)s cannot be read: %(reason)s", path=str(path), reason=str(error))
        ) from error


def validate(text: str, source_name: str) -> Framework:
    """The framework in `text`, or FrameworkError listing every problem with its place."""
    return _valid(text, source_name)


# A valid text is parsed once per process and name (a framework is immutable; a text with problems raises,
# which is never kept; the name is part of the key since the framework's warnings name it). Parsing the
# shipped file takes about a second and a half, and the demo and the tests import it again and again.
@memoised(maxsize=8, key=lambda text, source_name: (hashlib.sha256(text.encode()).hexdigest(), source_name))
def _valid(text: str, source_name: str) -> Framework:
    return load_framework_text(text, source_name)


@dataclass(frozen=True)
class ImportResult:
    version: FrameworkVersion
    created: bool


def _same_version(framework: Framework) -> FrameworkVersion | None:
    return db.session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.framework_key == framework.id, FrameworkVersion.version == framework.version
        )
    )


def import_text(
    text: str, source_name: str, *, actor: User | None, via: str = "command line"
) -> ImportResult:
    framework = validate(text, source_name)
    existing = _same_version(framework)
    if existing is not None:
        if existing.fingerprint == framework.fingerprint:
            return ImportResult(existing, created=False)
        raise invalid(
            "path",
            _l(
                "Version %(version)s of framework %(id)s already exists with different content. "
                "A version is never changed in place: give the changed file a new version number.",
                version=framework.version,
                id=framework.id,
            ),
        )
    row = FrameworkVersion(
        framework_key=framework.id,
        version=framework.version,
        fingerprint=framework.fingerprint,
        title_vi=framework.title.get("vi"),
        title_en=framework.title.get("en"),
        source=text,
        question_count=len(framework.questions),
        initiative_count=len(framework.initiatives),
        imported_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "framework.imported",
        actor=actor,
        object_type="framework_version",
        object_id=row.id,
        details={
            "framework": framework.id,
            "version": framework.version,
            "fingerprint": framework.fingerprint,
            "via": via,
        },
    )
    db.session.commit()
    return ImportResult(row, created=True)


def import_file(path: str | Path, *, actor: User | None) -> ImportResult:
    return import_text(read_text(path), str(path), actor=actor)


def versions() -> list[FrameworkVersion]:
    return list(
        db.session.scalars(
            select(FrameworkVersion).order_by(FrameworkVersion.framework_key, FrameworkVersion.imported_at)
        )
    )


def find(version: str, framework_key: str | None = None) -> list[FrameworkVersion]:
    query = select(FrameworkVersion).where(FrameworkVersion.version == version)
    if framework_key:
        query = query.where(FrameworkVersion.framework_key == framework_key)
    return list(db.session.scalars(query))


def _parse(fingerprint: str, source: str) -> Framework:
    framework = _valid(source, f"framework {fingerprint[:12]}")
    if framework.fingerprint != fingerprint:
        # The loader changed how it reads the same text: the stored version must not silently change.
        raise FrameworkError(())
    return framework


# Kept by fingerprint: a version's content never changes, so it is parsed once per process, and the (large)
# source is read from the database only then. Threads of a fresh worker all want it at once: one parses
# (about a second), the others wait for it.
@memoised(maxsize=32, key=lambda row: row.fingerprint, one_at_a_time=True)
def framework_of(row: FrameworkVersion) -> Framework:
    """The immutable framework of a stored version, parsed once per process."""
    return _parse(row.fingerprint, row.source)


def export(row: FrameworkVersion) -> str:
    return export_framework(framework_of(row))


# --- which cycles use which version ----------------------------------------------------------------------


@dataclass(frozen=True)
class VersionUse:
    version: FrameworkVersion
    cycles: list[Cycle]
    assessments: int


def usage() -> list[VersionUse]:
    """Every stored version, newest first, with the cycles opened on it and its number of assessments."""
    counts = dict(
        db.session.execute(
            select(Assessment.framework_version_id, func.count()).group_by(Assessment.framework_version_id)
        ).all()
    )
    cycles_by_version: dict[int, list[Cycle]] = {}
    for cycle in db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())):
        if cycle.framework_version_id is not None:
            cycles_by_version.setdefault(cycle.framework_version_id, []).append(cycle)
    return [
        VersionUse(row, cycles_by_version.get(row.id, []), int(counts.get(row.id, 0)))
        for row in reversed(versions())
    ]


# --- the administrator's upload: validate, compare, preview, then import ----------------------------------

# A framework file is text: the shipped one is about 210 kB. Larger is refused before it is parsed.
MAX_UPLOAD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class HeldUpload:
    """A valid uploaded file kept aside (in upload storage, not in the database) until the administrator
    imports it: what is imported is exactly what was reviewed."""

    key: str
    framework: Framework


def hold_upload(content: bytes, file_name: str) -> HeldUpload:
    """Validate an uploaded file and keep it aside for review; FrameworkError lists every problem with its
    line, and nothing is kept."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid(
            "file",
            _l(
                "The file is too large: a framework file may have at most %(limit)d kB.",
                limit=MAX_UPLOAD_BYTES // 1024,
            ),
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FrameworkError((Problem(file_name, "", None, "the file is not UTF-8 text"),)) from error
    framework = validate(text, file_name)
    key = storage.new_key()
    storage.storage().put(key, content)
    return HeldUpload(key, framework)


def held_upload(key: str) -> HeldUpload:
    """A file kept aside by hold_upload, parsed again (the parse is cached by content)."""
    text = _held_text(key)
    return HeldUpload(key, _parse_held(text))


def _held_text(key: str) -> str:
    try:
        checked = storage.check_key(key)
        if not storage.storage().exists(checked):
            raise LookupError(key)
        with storage.storage().open(checked) as stream:
            return stream.read().decode("utf-8")
    except (storage.BadKeyError, LookupError, OSError, UnicodeDecodeError) as error:
        raise invalid(
            "file", _l("This upload is no longer available: please upload the file again.")
        ) from error


@memoised(maxsize=8, key=lambda text: hashlib.sha256(text.encode()).hexdigest())
def _parse_held(text: str) -> Framework:
    return validate(text, "upload")


def import_problem(framework: Framework) -> str | None:
    """Why importing this framework would be refused or do nothing, in words; None when it would import."""
    existing = _same_version(framework)
    if existing is None:
        return None
    if existing.fingerprint == framework.fingerprint:
        return str(_l("This version is already imported with the same content: importing changes nothing."))
    return str(
        _l(
            "Version %(version)s of framework %(id)s already exists with different content. "
            "A version is never changed in place: give the changed file a new version number.",
            version=framework.version,
            id=framework.id,
        )
    )


def compare(framework: Framework, base: FrameworkVersion) -> FrameworkDiff:
    """What changed from a stored version to an uploaded framework."""
    return diff_frameworks(framework_of(base), framework)


def default_base(framework: Framework) -> FrameworkVersion | None:
    """The version an upload is compared with unless another is chosen: the newest of the same framework,
    else the newest of any."""
    rows = versions()
    same = [row for row in rows if row.framework_key == framework.id]
    chosen = same or rows
    return max(chosen, key=lambda row: (row.imported_at, row.id)) if chosen else None


def import_held(key: str, expected_fingerprint: str, *, actor: User) -> ImportResult:
    """Import a reviewed upload (audited), only if it is still the content that was reviewed."""
    upload = held_upload(key)
    if upload.framework.fingerprint != expected_fingerprint:
        raise invalid("file", _l("The file changed since it was reviewed: please upload it again."))
    result = import_text(_held_text(key), "upload", actor=actor, via="administration page")
    storage.storage().delete(key)
    return result

"""Framework versions: validate a file, import it once, list, export, and load for scoring.

A version's content is identified by its fingerprint. Importing the same content again is harmless; importing
changed content under an existing version is refused, because assessments may already rest on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadmap.engine.export import export_framework
from roadmap.engine.framework import Framework
from roadmap.engine.loader import FrameworkError, load_framework_text
from roadmap.extensions import db
from roadmap.models import FrameworkVersion, User
from roadmap.services import invalid
from roadmap.services.platform import audit
from roadmap.services.platform.caching import memoised

SHIPPED_FRAMEWORK = Path(__file__).resolve().parents[2] / "frameworks" / "central-offices-1.0.0.yaml"


def read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise invalid(
            "path", _l("The file %(path)s cannot be read: %(reason)s", path=str(path), reason=str(error))
        ) from error


def validate(text: str, source_name: str) -> Framework:
    """The framework in `text`, or FrameworkError listing every problem with its place."""
    return load_framework_text(text, source_name)


@dataclass(frozen=True)
class ImportResult:
    version: FrameworkVersion
    created: bool


def import_text(text: str, source_name: str, *, actor: User | None) -> ImportResult:
    framework = validate(text, source_name)
    existing = db.session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.framework_key == framework.id, FrameworkVersion.version == framework.version
        )
    )
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
    framework = load_framework_text(source, f"framework {fingerprint[:12]}")
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

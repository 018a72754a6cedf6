"""Offices and consultant assignments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import ConsultantAssignment, Office, OfficeKind, User
from roadmap.policy import ASSIGNABLE_ROLES
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.platform import audit

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


@dataclass(frozen=True)
class OfficeDetails:
    code: str
    name_vi: str
    name_en: str
    kind: str
    parent_code: str | None = None


def office_by_code(code: str) -> Office | None:
    return db.session.scalar(select(Office).where(func.upper(Office.code) == code.strip().upper()))


def _checked(details: OfficeDetails, existing: Office | None) -> Office | None:
    problems: list[Problem] = []
    code = details.code.strip().upper()
    if not CODE_PATTERN.match(code):
        problems.append(Problem("code", _l("Use 2 to 32 capital letters, digits, hyphens or underscores.")))
    else:
        duplicate = office_by_code(code)
        if duplicate is not None and duplicate is not existing:
            problems.append(Problem("code", _l("An office with this code already exists.")))
    if not details.name_vi.strip():
        problems.append(Problem("name_vi", _l("Please enter the Vietnamese name.")))
    if not details.name_en.strip():
        problems.append(Problem("name_en", _l("Please enter the English name.")))
    if details.kind not in {k.value for k in OfficeKind}:
        problems.append(Problem("kind", _l("Unknown kind of office.")))
    parent = None
    if details.parent_code:
        parent = office_by_code(details.parent_code)
        if parent is None:
            problems.append(
                Problem("parent_code", _l("There is no office with code %(code)s.", code=details.parent_code))
            )
        elif existing is not None and _is_descendant_or_self(parent, existing):
            problems.append(Problem("parent_code", _l("An office cannot be placed under itself.")))
    if problems:
        raise Invalid(*problems)
    return parent


def _is_descendant_or_self(candidate: Office, office: Office) -> bool:
    seen: set[int] = set()
    node: Office | None = candidate
    while node is not None and node.id not in seen:
        if node.id == office.id:
            return True
        seen.add(node.id)
        node = node.parent
    return False


def create_office(details: OfficeDetails, *, actor: User | None) -> Office:
    parent = _checked(details, None)
    office = Office(
        code=details.code.strip().upper(),
        name_vi=details.name_vi.strip(),
        name_en=details.name_en.strip(),
        kind=details.kind,
        parent_id=parent.id if parent else None,
    )
    db.session.add(office)
    db.session.flush()
    audit.record(
        "office.created",
        actor=actor,
        object_type="office",
        object_id=office.id,
        details={"code": office.code},
    )
    db.session.commit()
    return office


def update_office(office: Office, details: OfficeDetails, *, actor: User) -> None:
    parent = _checked(details, office)
    office.code = details.code.strip().upper()
    office.name_vi = details.name_vi.strip()
    office.name_en = details.name_en.strip()
    office.kind = details.kind
    office.parent_id = parent.id if parent else None
    audit.record(
        "office.updated",
        actor=actor,
        object_type="office",
        object_id=office.id,
        details={"code": office.code},
    )
    db.session.commit()


def set_office_active(office: Office, active: bool, *, actor: User) -> None:
    office.active = active
    audit.record(
        "office.activated" if active else "office.deactivated",
        actor=actor,
        object_type="office",
        object_id=office.id,
    )
    db.session.commit()


def assign_consultant(consultant: User, office: Office, *, actor: User) -> ConsultantAssignment:
    if consultant.role not in ASSIGNABLE_ROLES:
        raise invalid("consultant_id", _l("Only consultants can be assigned to offices."))
    existing = db.session.scalar(
        select(ConsultantAssignment).where(
            ConsultantAssignment.consultant_id == consultant.id, ConsultantAssignment.office_id == office.id
        )
    )
    if existing is not None:
        raise invalid("office_id", _l("This consultant is already assigned to this office."))
    assignment = ConsultantAssignment(consultant_id=consultant.id, office_id=office.id)
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "assignment.created",
        actor=actor,
        object_type="office",
        object_id=office.id,
        details={"consultant": consultant.email},
    )
    db.session.commit()
    return assignment


def remove_assignment(assignment: ConsultantAssignment, *, actor: User) -> None:
    audit.record(
        "assignment.removed",
        actor=actor,
        object_type="office",
        object_id=assignment.office_id,
        details={"consultant": assignment.consultant.email},
    )
    db.session.delete(assignment)
    db.session.commit()

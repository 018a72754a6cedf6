"""The one place that answers "may this user do this to that object?". Every view asks it.

Respondents see only their own office, consultants the offices assigned to them, administrators all.
The web layer turns a refusal into 404 when the object is one the user may not even know about, and 403
when the user may know the page exists but not use it (see roadmap.web.guard).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import ConsultantAssignment, Office, Role, User


class Action(StrEnum):
    VIEW_HOME = "home.view"
    LIST_OFFICES = "offices.list"
    VIEW_OFFICE = "office.view"
    MANAGE_OFFICES = "offices.manage"
    MANAGE_USERS = "users.manage"
    MANAGE_ASSIGNMENTS = "assignments.manage"
    MANAGE_CYCLES = "cycles.manage"
    LIST_CYCLES = "cycles.list"
    VIEW_AUDIT = "audit.view"


# Actions that do not concern one object: who may do them at all.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_HOME: frozenset(Role),
    Action.LIST_OFFICES: frozenset({Role.CONSULTANT, Role.ADMIN}),
    Action.LIST_CYCLES: frozenset(Role),
    Action.MANAGE_OFFICES: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_ASSIGNMENTS: frozenset({Role.ADMIN}),
    Action.MANAGE_CYCLES: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
}


def permits(user: User, action: Action, target: Office | None = None) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if action is Action.VIEW_OFFICE:
        return target is not None and may_see_office(user, target)
    return user.role_enum in _ROLE_ACTIONS[action]


def may_see_office(user: User, office: Office) -> bool:
    if user.is_admin:
        return True
    if user.is_respondent:
        return user.office_id == office.id
    return office.id in assigned_office_ids(user)


def assigned_office_ids(user: User) -> set[int]:
    rows = db.session.scalars(
        select(ConsultantAssignment.office_id).where(ConsultantAssignment.consultant_id == user.id)
    )
    return set(rows)


def visible_offices_query(user: User):  # type: ignore[no-untyped-def]
    """A SELECT of the offices the user may see, to be ordered and paged by the caller."""
    query = select(Office)
    if user.is_admin:
        return query
    if user.is_respondent:
        return query.where(Office.id == user.office_id)
    return query.join(ConsultantAssignment, ConsultantAssignment.office_id == Office.id).where(
        ConsultantAssignment.consultant_id == user.id
    )

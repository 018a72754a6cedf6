"""The roadmap in words, in the current user's language: why each initiative is there (its trigger's trace,
with the framework's question texts and dimension names), statuses, warnings and the consultants' edits.

Shared by the screens, the exports and (later) the PDF, so that all three say the same thing. Every function
reads the locale when called; nothing here decides anything, it only says what the planner, the overlay and
the edits decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from roadmap.engine.answers import AnswerState
from roadmap.engine.conditions import Evaluation, Leaf, LeafTrace, Operator, Subject
from roadmap.engine.framework import Framework, PolicyStatus, ProfileQuestion, ProfileType, Question
from roadmap.engine.overlay import Edit as OverlayEdit
from roadmap.engine.overlay import (
    EditOutcome,
    EffectiveItem,
    EffectivePhase,
    EffectiveRoadmap,
    EffectiveStatus,
    Finding,
    Inapplicable,
)
from roadmap.engine.planner import DeadlineStatus, NotFittingReason, Origin, PhaseLoad, YearMonth
from roadmap.engine.question_types import kind_of
from roadmap.engine.question_types.base import quoted
from roadmap.models import RoadmapEditKind

Kind = RoadmapEditKind


def locale() -> str:
    return str(get_locale() or "vi")


# --- calendar ------------------------------------------------------------------------------------------


def quarter_label(label: str | None) -> str:
    """'2027-Q1' → 'Q1 2027' / 'Quý 1/2027'."""
    if not label:
        return ""
    year, _sep, quarter = label.partition("-Q")
    return _("Q%(quarter)s %(year)s", quarter=quarter, year=year)


def month_label(month: YearMonth | None) -> str:
    return "" if month is None else f"{month.month:02d}/{month.year}"


def phase_label(index: int) -> str:
    return _("Phase %(number)d", number=index + 1)


def phase_short_label(index: int) -> str:
    """For chart axes: 'Ph. 1' / 'GĐ 1'."""
    return _("Ph. %(number)d", number=index + 1)


def phase_span(phase: PhaseLoad | EffectivePhase) -> str:
    return _("%(start)s to %(end)s", start=month_label(phase.first_month), end=month_label(phase.last_month))


def person_months(value: float) -> str:
    return format_decimal(round(value, 2))


# --- labels --------------------------------------------------------------------------------------------


def status_label(status: EffectiveStatus) -> str:
    return {
        EffectiveStatus.SCHEDULED: _("Scheduled"),
        EffectiveStatus.DEADLINE_MISSED: _("Misses its legal deadline"),
        EffectiveStatus.NOT_FITTING: _("Does not fit"),
        EffectiveStatus.REMOVED: _("Removed"),
    }[status]


def origin_label(origin: Origin) -> str:
    return {
        Origin.TRIGGERED: _("Called for by the answers"),
        Origin.ENABLER: _("Prerequisite of other initiatives"),
        Origin.INCLUDED: _("Added by a consultant"),
    }[origin]


def kind_label(kind: RoadmapEditKind) -> str:
    return {
        Kind.ADD: _("Addition"),
        Kind.ADD_CUSTOM: _("Custom initiative"),
        Kind.REMOVE: _("Removal"),
        Kind.MOVE: _("Move"),
        Kind.REORDER: _("New position"),
        Kind.NOTE: _("Note"),
    }[kind]


def cost_class_label(cost_class: str) -> str:
    return _("Cost class %(class)s", **{"class": cost_class})


def initiative_name(framework: Framework, code: str | None) -> str:
    """'K01 Deploy network monitoring' (the code alone when the catalogue does not know it)."""
    if code is None:
        return ""
    try:
        return f"{code} {framework.initiative(code).name.get(locale())}"
    except KeyError:
        return code


def not_fitting_text(item: EffectiveItem) -> str:
    reason = item.item.reason
    if reason is NotFittingReason.CAPACITY:
        return _("It does not fit within the capacity of the phases before the end of the horizon.")
    if reason is NotFittingReason.HORIZON:
        return _("It cannot end within the horizon, even with unlimited capacity.")
    if reason is NotFittingReason.PREREQUISITE:
        return _(
            "It waits for prerequisites that do not fit: %(codes)s.", codes=", ".join(item.item.blocked_by)
        )
    return ""


def deadline_status_text(item: EffectiveItem) -> str:
    """Whether the legal deadline is met by this schedule, in a few words."""
    if item.deadline_status is DeadlineStatus.MET:
        return _("met")
    if item.deadline_status is DeadlineStatus.LATE:
        return _("this schedule misses it")
    if item.deadline_status is DeadlineStatus.OVERDUE:
        return _("already passed")
    return ""


def deadline_text(item: EffectiveItem) -> str:
    """'Legal deadline 30/06/2027: met.'"""
    if item.item.deadline is None:
        return ""
    date = date_text(item.item.deadline)
    status = deadline_status_text(item)
    if not status:
        return _("Legal deadline %(date)s.", date=date)
    return _("Legal deadline %(date)s: %(status)s.", date=date, status=status)


def obligation_kind_label(kind: str) -> str:
    labels = {"law": _("Law"), "programme": _("Programme"), "directive": _("Directive")}
    return labels.get(kind, kind)


def obligation_due_text(item: EffectiveItem) -> str:
    """ "overdue since 01/01/2019" for an obligation whose due date had passed when the plan was made (it is
    scheduled first, never sorted as if still ahead), else "due 30/06/2027", or "no due date"."""
    term = item.item.obligation
    if term is None or term.due is None:
        return _("no due date")
    if item.deadline_status is DeadlineStatus.OVERDUE:
        return _("overdue since %(date)s", date=date_text(term.due))
    status = deadline_status_text(item)
    if status:
        return _("due %(date)s (%(status)s)", date=date_text(term.due), status=status)
    return _("due %(date)s", date=date_text(term.due))


def obligation_text(framework: Framework, item: EffectiveItem, source: str) -> str:
    """One obligation in one line: the initiative that fulfils it, its kind and source, and when it is due.
    `source` is the source's title as the caller cites it (the report cites legal documents in order)."""
    term = item.item.obligation
    return _(
        "%(initiative)s — %(kind)s: %(source)s; %(due)s.",
        initiative=initiative_name(framework, item.code),
        kind=obligation_kind_label(term.kind) if term is not None else "",
        source=source,
        due=obligation_due_text(item),
    )


def obligation_lines(framework: Framework, roadmap: EffectiveRoadmap) -> list[tuple[str, str]]:
    """(initiative code, line) of every obligation in the roadmap (not removed), in its order, each source
    with its full title and, when it is no longer in force, that mark: the roadmap page's list."""
    here = locale()
    lines = []
    for item in roadmap.items:
        term = item.item.obligation
        if term is None or item.removed:
            continue
        policy = next((p for p in framework.policies if p.code == term.source), None)
        source = policy.title.get(here) if policy is not None else term.source
        mark = policy_status_text(framework, term.source)
        lines.append((item.code, obligation_text(framework, item, f"{source} ({mark})" if mark else source)))
    return lines


def policy_status_text(framework: Framework, code: str) -> str:
    """ "superseded by …" or "repealed" for a cited text no longer in force, else "" (the report marks it)."""
    policy = next((policy for policy in framework.policies if policy.code == code), None)
    if policy is None or policy.in_force:
        return ""
    if policy.status is PolicyStatus.SUPERSEDED:
        if policy.superseded_by:
            successor = next((p for p in framework.policies if p.code == policy.superseded_by), None)
            name = successor.title.get(locale()) if successor is not None else policy.superseded_by
            return _("no longer in force: superseded by %(text)s", text=name)
        return _("no longer in force: superseded")
    return _("no longer in force: repealed")


def finding_text(framework: Framework, finding: Finding) -> str:
    other = initiative_name(framework, finding.other)
    if finding.code == "prerequisite_removed":
        return _("Its prerequisite %(initiative)s has been removed.", initiative=other)
    if finding.code == "prerequisite_not_placed":
        return _("Its prerequisite %(initiative)s is not scheduled.", initiative=other)
    if finding.code == "prerequisite_overlaps":
        return _("It starts before its prerequisite %(initiative)s ends.", initiative=other)
    return _("It ends after the roadmap's horizon.")


def phase_warning(phase: EffectivePhase) -> str:
    return _(
        "%(phase)s is over capacity: %(load)s of %(capacity)s person-months.",
        phase=phase_label(phase.index),
        load=person_months(phase.load),
        capacity=person_months(phase.capacity),
    )


def item_warnings(framework: Framework, item: EffectiveItem) -> list[str]:
    """What a reader must notice about one initiative (nothing for a removed one: it is not carried out)."""
    if item.removed:
        return []
    warnings = []
    if item.status is EffectiveStatus.NOT_FITTING:
        warnings.append(not_fitting_text(item))
    if item.deadline_status in (DeadlineStatus.LATE, DeadlineStatus.OVERDUE):
        warnings.append(deadline_text(item))
    warnings.extend(finding_text(framework, finding) for finding in item.findings)
    return warnings


def roadmap_warnings(framework: Framework, roadmap: EffectiveRoadmap) -> list[str]:
    """Every warning of the approved roadmap, initiative by initiative, then phase by phase."""
    warnings = [
        f"{initiative_name(framework, item.code)}: {text}"
        for item in roadmap.items
        for text in item_warnings(framework, item)
    ]
    warnings.extend(phase_warning(phase) for phase in roadmap.phases if phase.over_capacity)
    return warnings


# --- why: the trigger's trace --------------------------------------------------------------------------


@dataclass(frozen=True)
class RationaleLine:
    """One reason: a fact of the assessment and the condition it met."""

    code: str  # question or dimension code
    subject: str  # "NW-04 Does the office …?" (with its code), "Level of Network and connectivity"
    actual: str  # what the assessment says
    condition: str  # what the trigger asked, e.g. "is below 3"

    def __str__(self) -> str:
        return _(
            "%(subject)s: %(actual)s (condition: %(condition)s)",
            subject=self.subject,
            actual=self.actual,
            condition=self.condition,
        )


_NEGATED = {
    Operator.EQ: Operator.NE,
    Operator.NE: Operator.EQ,
    Operator.LT: Operator.GE,
    Operator.LE: Operator.GT,
    Operator.GT: Operator.LE,
    Operator.GE: Operator.LT,
    Operator.IN: Operator.NOT_IN,
    Operator.NOT_IN: Operator.IN,
    Operator.ANSWERED: Operator.UNANSWERED,
    Operator.UNANSWERED: Operator.ANSWERED,
}


def _condition(op: Operator, negated: bool, value: str) -> str:
    if negated and op in _NEGATED:
        op, negated = _NEGATED[op], False
    if negated:
        if op is Operator.CONTAINS:
            return _("does not include %(value)s", value=value)
        return _("is not “not applicable”")
    phrases = {
        Operator.EQ: lambda: _("is %(value)s", value=value),
        Operator.NE: lambda: _("is not %(value)s", value=value),
        Operator.LT: lambda: _("is below %(value)s", value=value),
        Operator.LE: lambda: _("is at most %(value)s", value=value),
        Operator.GT: lambda: _("is above %(value)s", value=value),
        Operator.GE: lambda: _("is at least %(value)s", value=value),
        Operator.IN: lambda: _("is one of %(value)s", value=value),
        Operator.NOT_IN: lambda: _("is none of %(value)s", value=value),
        Operator.CONTAINS: lambda: _("includes %(value)s", value=value),
        Operator.ANSWERED: lambda: _("is answered"),
        Operator.UNANSWERED: lambda: _("is not answered"),
        Operator.IS_NA: lambda: _("is “not applicable”"),
    }
    return phrases[op]()


def _one_value(value: object, question: Question | None) -> str:
    if question is not None:
        # Within a sentence, the way its question type says it: options and words quoted, figures bare.
        return kind_of(question).phrase(question, value, locale())
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    return str(value)


def value_text(value: object, question: Question | None) -> str:
    """A value of a trace (what was answered) or of a condition (what it asked for), as a person reads it."""
    if value is None:
        return _("no answer")
    if isinstance(value, AnswerState):
        return {
            AnswerState.NOT_APPLICABLE: _("not applicable"),
            AnswerState.DONT_KNOW: _("don't know"),
            AnswerState.ANSWERED: _("answered"),
        }[value]
    if isinstance(value, frozenset | tuple):
        ordered = sorted(value, key=str) if isinstance(value, frozenset) else list(value)
        if question is not None and isinstance(value, frozenset):
            ordered = [o.code for o in question.options if o.code in value]
        return ", ".join(_one_value(item, question) for item in ordered) or _("nothing chosen")
    return _one_value(value, question)


def profile_value_text(question: ProfileQuestion | None, value: object) -> str:
    """An answer of the office profile (or a value a condition asks of it) as a person reads it."""
    if value is None:
        return _("no answer")
    if isinstance(value, bool):
        return quoted(_("Yes") if value else _("No"))
    codes = sorted(value, key=str) if isinstance(value, frozenset | tuple | list) else [value]
    if question is not None and question.type is not ProfileType.YES_NO:
        labels = {option.code: option.label.get(locale()) for option in question.options}
        order = [option.code for option in question.options]
        codes = sorted(codes, key=lambda code: order.index(code) if code in order else len(order))
        return ", ".join(quoted(labels.get(str(code), str(code))) for code in codes)
    return ", ".join(quoted(str(code)) for code in codes)


def rationale_line(framework: Framework, step: LeafTrace) -> RationaleLine:
    leaf: Leaf = step.leaf
    here = locale()
    question = None
    if leaf.subject is Subject.PROFILE:
        try:
            profile_question: ProfileQuestion | None = framework.profile_question(leaf.ref)
        except KeyError:
            profile_question = None
        subject = (
            _("Office profile: %(question)s", question=profile_question.text.get(here))
            if profile_question is not None
            else leaf.ref
        )
        expected = profile_value_text(profile_question, leaf.value) if leaf.op not in _STATE_OPS else ""
        return RationaleLine(
            leaf.ref,
            subject,
            profile_value_text(profile_question, step.actual),
            _condition(leaf.op, step.negated, expected),
        )
    if leaf.subject is Subject.ANSWER:
        question = framework.question(leaf.ref) if framework.has_question(leaf.ref) else None
        subject = f"{leaf.ref} {question.text.get(here)}" if question is not None else leaf.ref
        actual = value_text(step.actual, question)
    else:
        try:
            dimension = framework.dimension(leaf.ref).name.get(here)
        except KeyError:
            dimension = leaf.ref
        subject = {
            Subject.LEVEL: lambda: _("Level of %(dimension)s", dimension=dimension),
            Subject.SCORE: lambda: _("Score of %(dimension)s", dimension=dimension),
            Subject.GAP: lambda: _("Gap to the target in %(dimension)s", dimension=dimension),
        }[leaf.subject]()
        actual = _("no result") if step.actual is None else _one_value(step.actual, None)
    expected = value_text(leaf.value, question) if leaf.op not in _STATE_OPS else ""
    return RationaleLine(leaf.ref, subject, actual, _condition(leaf.op, step.negated, expected))


_STATE_OPS = frozenset({Operator.ANSWERED, Operator.UNANSWERED, Operator.IS_NA})


def rationale(framework: Framework, evaluation: Evaluation) -> list[RationaleLine]:
    """The reasons why a trigger holds: the leaves that made it hold, in the order they were evaluated."""
    if not evaluation.holds:
        return []
    return [rationale_line(framework, step) for step in evaluation.reasons()]


def not_applicable_text(framework: Framework, evaluation: Evaluation) -> str:
    """Why a question or a dimension does not apply to the office by rule: the facts of its profile that fail
    the framework's `applies_if`, in one line ("Not applicable to this office: …")."""
    failing = [step for step in evaluation.trace if not step.supports] or list(evaluation.trace)
    return _(
        "Not applicable to this office by the framework's rule: %(reasons)s",
        reasons="; ".join(str(rationale_line(framework, step)) for step in failing),
    )


def why_text(framework: Framework, item: EffectiveItem) -> str:
    """The why of one initiative in one line (exports)."""
    plan_item = item.item
    if plan_item.origin is Origin.TRIGGERED:
        return "; ".join(str(line) for line in rationale(framework, plan_item.rationale))
    if plan_item.origin is Origin.ENABLER:
        return _(
            "Needed first by %(initiatives)s.",
            initiatives=", ".join(initiative_name(framework, code) for code in plan_item.needed_by),
        )
    if item.added_by is not None:
        return _("Added by a consultant: %(reason)s", reason=item.added_by.reason)
    return origin_label(plan_item.origin)


def policy_titles(framework: Framework, codes: tuple[str, ...]) -> list[str]:
    here = locale()
    titles = {policy.code: policy.title.get(here) for policy in framework.policies}
    return [titles.get(code, code) for code in codes]


# --- edits ---------------------------------------------------------------------------------------------


def edit_summary(framework: Framework, edit: OverlayEdit) -> str:
    """What an edit changed, in one sentence."""
    name = initiative_name(framework, edit.initiative)
    payload = edit.payload
    if edit.kind is Kind.ADD:
        return _("Added %(initiative)s.", initiative=name)
    if edit.kind is Kind.ADD_CUSTOM:
        custom = payload.get("name", {})
        title = custom.get(locale()) or custom.get("vi") or ""
        return _("Defined the custom initiative %(initiative)s.", initiative=f"{edit.initiative} {title}")
    if edit.kind is Kind.REMOVE:
        if payload.get("justification"):
            return _(
                "Removed %(initiative)s. Justification: %(justification)s",
                initiative=name,
                justification=payload["justification"],
            )
        return _("Removed %(initiative)s.", initiative=name)
    if edit.kind is Kind.MOVE:
        return _(
            "Moved %(initiative)s from %(from)s to %(to)s.",
            initiative=name,
            **{
                "from": quarter_label(payload.get("from_quarter")) or _("not scheduled"),
                "to": quarter_label(payload.get("quarter")),
            },
        )
    if edit.kind is Kind.REORDER:
        return _(
            "Moved %(initiative)s from position %(from)s to position %(to)s.",
            initiative=name,
            **{"from": payload.get("from_position"), "to": payload.get("position")},
        )
    if edit.initiative is None:
        return _("Note on the roadmap: %(text)s", text=payload.get("text", ""))
    return _("Note on %(initiative)s: %(text)s", initiative=name, text=payload.get("text", ""))


def outcome_text(outcome: EditOutcome) -> str:
    """Whether an edit applies to the current plan, and if not, why."""
    code = outcome.edit.initiative or ""
    if outcome.inapplicable is None:
        return _("Applied")
    return {
        Inapplicable.NOT_IN_PLAN: lambda: _(
            "No longer applies: %(code)s is no longer proposed for this office.", code=code
        ),
        Inapplicable.ALREADY_PROPOSED: lambda: _(
            "No longer needed: the plan now proposes %(code)s from the answers.", code=code
        ),
        Inapplicable.OUTSIDE_HORIZON: lambda: _(
            "No longer applies: the quarter is outside the roadmap's horizon."
        ),
        Inapplicable.ALREADY_REMOVED: lambda: _(
            "No longer applies: %(code)s was already removed.", code=code
        ),
        Inapplicable.SUPERSEDED: lambda: _("Replaced by a later definition of %(code)s.", code=code),
    }[outcome.inapplicable]()


def item_changes(framework: Framework, item: EffectiveItem) -> list[str]:
    """The consultants' edits on one initiative, each with its reason (exports, cards)."""
    changes = []
    for edit in (item.added_by, item.moved_by, item.removed_by):
        if edit is not None:
            changes.append(
                _(
                    "%(change)s Reason: %(reason)s",
                    change=edit_summary(framework, edit),
                    reason=edit.reason,
                )
            )
    return changes


# Dates in documents: the numeric form of Vietnamese administrative writing ("05/03/2026"), and a written-out
# English one ("5 March 2026"); Babel's medium Vietnamese form ("5 thg 3, 2026") is for screens, not papers.
DOCUMENT_DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMMM yyyy"}


def date_text(value: dt.date | None) -> str:
    if value is None:
        return ""
    return format_date(value, DOCUMENT_DATE_PATTERNS.get(locale(), "medium"))

"""Demonstration data: the shipped frameworks, the central offices, accounts for each role, the previous
cycle on the 2025 framework (central-offices 1.0.0) and the current cycle open on the 2026 one (1.1.0), so
that the 2025 → 2026 carry-forward and trends can be seen. Idempotent.

Passwords are generated on the first load and kept in instance/demo-logins.json (owner-only), so that a
second load prints the same logins; nothing about them is written in the repository.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from roadmap.engine.answers import Answer
from roadmap.engine.framework import Framework
from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    ConsultantAssignment,
    Cycle,
    Evidence,
    FrameworkVersion,
    OfficeKind,
    ReminderSent,
    Role,
    User,
)
from roadmap.services.demo import progress as demo_progress
from roadmap.services.demo.answers import demo_answers
from roadmap.services.directory import accounts
from roadmap.services.directory.cycles import CycleDetails, create_cycle
from roadmap.services.directory.offices import OfficeDetails, create_office, office_by_code
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import settings as report_settings
from roadmap.services.review import reminders
from roadmap.services.review import workflow as review
from roadmap.services.survey import answers, assessments, frameworks, profiles, steps

# (code, Vietnamese name, English name, kind)
DEMO_OFFICES: tuple[tuple[str, str, str, OfficeKind], ...] = (
    ("VPTW", "Văn phòng Trung ương Đảng", "Party Central Office", OfficeKind.PARTY),
    ("VPCTN", "Văn phòng Chủ tịch nước", "Office of the President", OfficeKind.STATE),
    ("VPQH", "Văn phòng Quốc hội", "National Assembly Office", OfficeKind.LEGISLATIVE),
    ("VPCP", "Văn phòng Chính phủ", "Government Office", OfficeKind.GOVERNMENT),
    ("BTCTW", "Ban Tổ chức Trung ương", "Central Organisation Commission", OfficeKind.PARTY),
    ("UBKTTW", "Ủy ban Kiểm tra Trung ương", "Central Inspection Commission", OfficeKind.PARTY),
    ("BNCTW", "Ban Nội chính Trung ương", "Central Internal Affairs Commission", OfficeKind.PARTY),
    ("TANDTC", "Tòa án nhân dân tối cao", "Supreme People's Court", OfficeKind.JUDICIAL),
    ("VKSNDTC", "Viện kiểm sát nhân dân tối cao", "Supreme People's Procuracy", OfficeKind.JUDICIAL),
    ("KTNN", "Kiểm toán nhà nước", "State Audit Office", OfficeKind.STATE),
)

# Consultants of the Central Post Office Department, each serving part of the offices.
DEMO_CONSULTANTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tuvan1@cbdtw.demo.vn", "Nguyễn Thị Hồng Nhung", ("VPTW", "VPCTN", "BTCTW", "UBKTTW", "BNCTW")),
    ("tuvan2@cbdtw.demo.vn", "Trần Quốc Minh", ("VPQH", "VPCP", "TANDTC", "VKSNDTC", "KTNN")),
)
DEMO_ADMIN = ("quantri@cbdtw.demo.vn", "Lê Văn Quản")

# Each office's profile (issue 18) for the frameworks that ask it (central-offices 1.1.0): kind of office
# (PRF-01), special-use network user level (PRF-02), online public services (PRF-03). The four offices are
# level-I users of the special-use network; two commissions show a level-II user, for whom the level-I gate
# does not apply, and the Party bodies show that government-only rules leave them alone.
DEMO_PROFILES: dict[str, tuple[str, str, str]] = {
    "VPTW": ("party", "level1", "no"),
    "VPCTN": ("president", "level1", "no"),
    "VPQH": ("national_assembly", "level1", "no"),
    "VPCP": ("government", "level1", "yes"),
    "BTCTW": ("party", "level1", "no"),
    "UBKTTW": ("party", "level2", "no"),
    "BNCTW": ("party", "level2", "no"),
    "TANDTC": ("other", "level1", "yes"),
    "VKSNDTC": ("other", "level1", "no"),
    "KTNN": ("other", "level1", "no"),
}
# Who signs the demo's reports: Decree 30 prints the signatory's full name under the position.
DEMO_SIGNATORY = "Trần Minh Đức"
DEMO_RESPONDENT_NAMES = (
    "Phạm Thu Hà",
    "Đỗ Minh Tuấn",
    "Vũ Thị Lan",
    "Hoàng Đức Anh",
    "Bùi Ngọc Mai",
    "Đặng Văn Hùng",
    "Ngô Thị Thanh",
    "Dương Quang Huy",
    "Lý Thị Kim Oanh",
    "Trịnh Công Sơn",
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    office: str | None


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.json"


def _read_saved() -> dict[str, str]:
    path = _logins_file()
    if not path.exists():
        return {}
    return {entry["email"]: entry["password"] for entry in json.loads(path.read_text(encoding="utf-8"))}


def _write_saved(logins: list[DemoLogin]) -> None:
    path = _logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump([asdict(login) for login in logins], handle, ensure_ascii=False, indent=2)
    text_copy = path.with_suffix(".txt")
    fd = os.open(text_copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for login in logins:
            handle.write(f"{login.role}\t{login.email}\t{login.password}\t{login.office or ''}\n")


def _ensure_user(email: str, name: str, role: Role, office: str | None, saved: dict[str, str]) -> DemoLogin:
    user = db.session.scalar(select(User).where(User.email == email))
    password = saved.get(email)
    if user is None:
        password = password or secrets.token_urlsafe(12)
        accounts.create_user(accounts.UserDetails(email, name, role.value, office), password, actor=None)
    elif password is None or not accounts.check_password(user, password):
        # The saved login was lost or changed: give the demo account a fresh one to print.
        password = secrets.token_urlsafe(12)
        user.password_hash = accounts.hash_password(password)
        user.active = True
        db.session.commit()
    return DemoLogin(role.value, email, password, office)


def load(today: dt.date | None = None) -> list[DemoLogin]:
    today = today or dt.date.today()
    # import_file returns the stored version when the same content is there already (idempotent).
    previous_framework = frameworks.import_file(frameworks.FRAMEWORK_2025, actor=None).version
    current_framework = frameworks.import_file(frameworks.FRAMEWORK_2026, actor=None).version
    for code, name_vi, name_en, kind in DEMO_OFFICES:
        if office_by_code(code) is None:
            create_office(OfficeDetails(code, name_vi, name_en, kind.value), actor=None)

    saved = _read_saved()
    logins = [_ensure_user(DEMO_ADMIN[0], DEMO_ADMIN[1], Role.ADMIN, None, saved)]
    for email, name, office_codes in DEMO_CONSULTANTS:
        logins.append(_ensure_user(email, name, Role.CONSULTANT, None, saved))
        consultant = db.session.scalar(select(User).where(User.email == email))
        assert consultant is not None  # noqa: S101 (just ensured)
        for code in office_codes:
            office = office_by_code(code)
            assert office is not None  # noqa: S101 (just ensured)
            exists = db.session.scalar(
                select(ConsultantAssignment).where(
                    ConsultantAssignment.consultant_id == consultant.id,
                    ConsultantAssignment.office_id == office.id,
                )
            )
            if exists is None:
                db.session.add(ConsultantAssignment(consultant_id=consultant.id, office_id=office.id))
    if report_settings.saved_at() is None:  # the administrator's own settings are never replaced
        admin = db.session.scalar(select(User).where(User.email == DEMO_ADMIN[0]))
        assert admin is not None  # noqa: S101 (just ensured)
        report_settings.save(
            dataclasses.replace(report_settings.DEFAULTS, signatory_name=DEMO_SIGNATORY), actor=admin
        )
    db.session.commit()
    _demo_profiles(frameworks.framework_of(current_framework))
    for (code, *_), name in zip(DEMO_OFFICES, DEMO_RESPONDENT_NAMES, strict=True):
        logins.append(_ensure_user(f"daumoi.{code.lower()}@demo.vn", name, Role.RESPONDENT, code, saved))

    year = str(today.year)
    if db.session.scalar(select(Cycle).where(Cycle.code == year)) is None:
        create_cycle(
            CycleDetails(
                code=year,
                name_vi=f"Kỳ đánh giá năm {year}",
                name_en=f"{year} assessment cycle",
                opens_on=today.replace(month=1, day=1),
                closes_on=today.replace(month=12, day=31),
                framework_version_id=current_framework.id,
            ),
            actor=None,
        )
    current = db.session.scalar(select(Cycle).where(Cycle.code == year))
    assert current is not None  # noqa: S101 (just ensured)
    _demo_assessments(today, current, previous_framework)
    _demo_reminder(today, current)
    _write_saved(logins)
    return logins


# --- assessments that show the whole loop ----------------------------------------------------------

# Each office's base strength (0–1) and the state of its current assessment: every state appears, so that
# a new user sees drafts, a review with comments, a return, approved and published results at once.
DEMO_STATES: dict[str, tuple[float, str, float]] = {
    # office: (strength, state in the current cycle, share of questions answered)
    "VPTW": (0.72, "published", 1.0),
    "VPCTN": (0.6, "approved", 1.0),
    "VPQH": (0.66, "in_review", 1.0),
    "VPCP": (0.7, "returned", 1.0),
    "BTCTW": (0.52, "submitted", 1.0),
    "UBKTTW": (0.45, "draft", 0.5),
    "BNCTW": (0.4, "draft", 0.2),
    "TANDTC": (0.35, "none", 0.0),
    "VKSNDTC": (0.48, "submitted", 1.0),
    "KTNN": (0.58, "draft", 0.8),
}
# Dimensions where the central offices are typically ahead or behind (research pack §1): the special-use
# network and e-office are mature, IPv6 and security staffing lag.
DIMENSION_BIAS = {"NET": 0.12, "OPS": 0.1, "PLT": 0.05, "IP6": -0.18, "SWF": -0.12, "DAT": -0.05}
PREVIOUS_CYCLE_GAP = 0.12


def _strengths(framework: Framework, base: float, office_index: int) -> dict[str, float]:
    strengths = {}
    for position, dimension in enumerate(framework.dimensions):
        wobble = ((office_index * 7 + position * 3) % 5 - 2) * 0.03
        strengths[dimension.code] = min(
            max(base + DIMENSION_BIAS.get(dimension.code, 0.0) + wobble, 0.05), 0.95
        )
    return strengths


def _fill(assessment: Assessment, answered: dict[str, Answer], respondent: User, with_evidence: bool) -> None:
    framework = assessments.framework_of(assessment)
    for code, answer in answered.items():
        question = framework.question(code)
        answers.save_answer(assessment, question, answer, None, actor=respondent)
        if with_evidence and question.evidence_threshold is not None and answer.is_answered:
            db.session.add(
                Evidence(
                    assessment_id=assessment.id,
                    question_code=code,
                    note="Văn bản của đơn vị đã được lưu tại bộ phận văn thư.",
                    document_number=f"{100 + len(code)}/QĐ-{assessment.office.code}",
                    document_date=assessment.cycle.opens_on,
                    updated_by_id=respondent.id,
                )
            )
    db.session.commit()


def _advance(
    assessment: Assessment, state: str, respondent: User, consultant: User, plan_from: dt.date | None = None
) -> None:
    """Take a complete assessment through the real lifecycle, up to `state`; with `plan_from`, its roadmap
    is planned from that day's year (last cycle's roadmap has been followed since January)."""

    if state == "draft":
        return
    steps.submit(assessment, actor=respondent, expected_status_version=assessment.status_version)
    if state == "submitted":
        return
    review.start_review(assessment, actor=consultant)
    framework = assessments.framework_of(assessment)
    first_questions = [q.code for q in framework.questions if q.evidence_threshold is not None][:2]
    for code in first_questions:
        review.add_comment(
            assessment,
            "Đề nghị đơn vị bổ sung số, ngày văn bản làm minh chứng cho câu trả lời này.",
            actor=consultant,
            question_code=code,
        )
    if state == "in_review":
        return
    if state == "returned":
        review.return_for_revision(
            assessment,
            "Đề nghị rà soát lại các câu trả lời có ý kiến và gửi lại trong tuần tới.",
            actor=consultant,
        )
        return
    review.approve(assessment, actor=consultant)
    if plan_from is not None:
        roadmaps.regenerate(
            assessment,
            actor=consultant,
            expected_version=roadmaps.version_of(assessment),
            planning=roadmaps.PlanningInput(start=f"{plan_from.year}-01"),
            today=plan_from,
        )
    if state == "published":
        review.publish(assessment, actor=consultant)


def _demo_assessments(today: dt.date, current: Cycle, previous_framework: FrameworkVersion) -> None:
    """A previous cycle with published results for every office, on the previous framework, and the current
    cycle in every state."""
    if frameworks.versions() == []:
        return
    previous_code = str(current.opens_on.year - 1)
    previous = db.session.scalar(select(Cycle).where(Cycle.code == previous_code))
    if previous is None:
        previous = create_cycle(
            CycleDetails(
                code=previous_code,
                name_vi=f"Kỳ đánh giá năm {previous_code}",
                name_en=f"{previous_code} assessment cycle",
                opens_on=current.opens_on.replace(year=current.opens_on.year - 1),
                closes_on=current.closes_on.replace(year=current.closes_on.year - 1),
                framework_version_id=previous_framework.id,
            ),
            actor=None,
        )
    consultants = {
        code: db.session.scalar(select(User).where(User.email == email))
        for email, _, codes in DEMO_CONSULTANTS
        for code in codes
    }
    # Last cycle first, then a year of progress on its roadmaps, then this cycle: the roadmaps approved this
    # cycle start from what is still open in last year's (carried over, issue 22). The offices whose roadmap
    # this cycle will publish count as followed by the new one already.
    superseded: set[int] = set()
    for cycle_is_previous in (True, False):
        for index, (code, (strength, state, share)) in enumerate(DEMO_STATES.items()):
            office = office_by_code(code)
            respondent = (
                db.session.scalar(select(User).where(User.office_id == office.id)) if office else None
            )
            consultant = consultants.get(code)
            if office is None or respondent is None or consultant is None:
                continue
            if state == "published":
                superseded.add(office.id)
            cycle, cycle_strength, cycle_state, cycle_share = (
                (previous, strength - PREVIOUS_CYCLE_GAP, "published", 1.0)
                if cycle_is_previous
                else (current, strength, state, share)
            )
            if cycle_state == "none" or assessments.assessment_for(office, cycle) is not None:
                continue
            if not cycle.is_open:
                cycle.status = "open"  # reopened for the demonstration's history only, closed again below
            assessment = steps.start(office, cycle, actor=respondent)
            framework = assessments.framework_of(assessment)
            answered = demo_answers(
                framework,
                _strengths(framework, cycle_strength, index),
                seed=index * 100 + cycle.opens_on.year,
                share=cycle_share,
            )
            _fill(assessment, answered, respondent, with_evidence=cycle_strength > 0.5)
            plan_from = today.replace(month=1, day=1) if cycle is previous else None
            _advance(assessment, cycle_state, respondent, consultant, plan_from)
        if cycle_is_previous:
            if previous.is_open:
                previous.status = "closed"
                db.session.commit()
            demo_progress.load_progress(previous.id, today, superseded)
            by_office = {
                office.id: consultants[code]
                for code in consultants
                if consultants[code] is not None and (office := office_by_code(code)) is not None
            }
            demo_progress.accept_some(previous.id, by_office, superseded)


def _demo_reminder(today: dt.date, current: Cycle) -> None:
    """The cycle in full swing: an office that has not started has been reminded from the progress board
    (once: a later load on another day adds none)."""
    if db.session.scalar(select(ReminderSent.id).where(ReminderSent.cycle_id == current.id).limit(1)):
        return
    office = office_by_code("TANDTC")
    email = next(email for email, _, codes in DEMO_CONSULTANTS if "TANDTC" in codes)
    consultant = db.session.scalar(select(User).where(User.email == email))
    if office is not None and consultant is not None:
        reminders.remind_from_board(current, [office.id], actor=consultant, today=today)


def _demo_profiles(framework: Framework) -> None:
    """Answer each demo office's profile once, as its administrator would (audited); never overwritten."""
    codes = [question.code for question in framework.profile]
    if codes != ["PRF-01", "PRF-02", "PRF-03"]:
        return  # a framework that asks another profile (or none): nothing to answer
    admin = db.session.scalar(select(User).where(User.email == DEMO_ADMIN[0]))
    assert admin is not None  # noqa: S101 (ensured by load)
    for code, values in DEMO_PROFILES.items():
        office = office_by_code(code)
        if office is None or profiles.profile_rows(office.id):
            continue
        changes = [profiles.ProfileChange(q, value, None) for q, value in zip(codes, values, strict=True)]
        profiles.save_profile(office, framework, changes, actor=admin)

"""A year of progress on last cycle's published roadmaps (issue 22), so that the progress pages and the
consultants' follow-up show something the first time the demo runs: most initiatives planned to be finished
by now done with evidence (some accepted by the consultant), some late, one blocked, one mandatory at risk,
the current quarter's under way. Made through the tracking service, so every entry is versioned and audited
like a real one; an assessment that already has progress is left as it is (a second load adds nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, InitiativeTracking, User
from roadmap.services.plans import tracking
from roadmap.services.plans.tracking import Line, Quarter

UNITS = ("Phòng Công nghệ thông tin", "Phòng Hành chính – Tổng hợp", "Trung tâm Dữ liệu")


def _done(line: Line, number: int) -> dict[str, str]:
    start = line.planned_start or line.planned_finish
    return {
        "status": "done",
        "percent_done": "100",
        "actual_start": str(start),
        "actual_finish": str(line.planned_finish),
        "progress_note": "Đã hoàn thành, bàn giao đưa vào sử dụng.",
        "evidence_note": "Biên bản nghiệm thu, bàn giao kết quả thực hiện nhiệm vụ.",
        "evidence_document": f"{number}/BB-VP",
    }


def _superseded(assessment: Assessment, offices: Collection[int] = ()) -> bool:
    """Whether a newer published roadmap of the office has replaced this one (the follow-up shows that), or
    will (`offices`: those whose roadmap the demo publishes in the current cycle)."""
    if assessment.office_id in offices:
        return True
    newer = db.session.scalar(
        select(Assessment.id).where(
            Assessment.office_id == assessment.office_id,
            Assessment.status == AssessmentStatus.PUBLISHED.value,
            Assessment.id > assessment.id,
        )
    )
    return newer is not None


def load_progress(cycle_id: int, today: dt.date, superseded_offices: Collection[int] = ()) -> None:
    """Record progress on every published roadmap of the cycle that has none yet."""
    published = db.session.scalars(
        select(Assessment)
        .where(Assessment.cycle_id == cycle_id, Assessment.status == AssessmentStatus.PUBLISHED.value)
        .order_by(Assessment.office_id)
    ).all()
    now = Quarter.of_day(today)
    blocked_given = at_risk_given = False
    for office_index, assessment in enumerate(published):
        already = db.session.scalar(
            select(InitiativeTracking.id).where(InitiativeTracking.assessment_id == assessment.id).limit(1)
        )
        respondent = db.session.scalar(
            select(User).where(User.office_id == assessment.office_id).order_by(User.id)
        )
        if already is not None or respondent is None:
            continue
        lines = tracking.lines(assessment, today=today)
        # The blocked and the at-risk examples go to a roadmap that is still followed (not one that a newer
        # published roadmap of the office has replaced), so that the follow-up shows them.
        superseded = _superseded(assessment, superseded_offices)
        # The office's one obligation at risk: its mandatory initiative due first, left behind.
        behind = None
        if not at_risk_given and not superseded:
            mandatory_past = [
                line for line in lines if line.mandatory and line.planned_finish and line.planned_finish < now
            ]
            behind = mandatory_past[0].code if mandatory_past else None
            at_risk_given = behind is not None
        for index, line in enumerate(lines):
            values: dict[str, str] = {
                "owner_id": str(respondent.id) if index % 2 == 0 else "",
                "owner_unit": UNITS[(office_index + index) % len(UNITS)],
            }
            start = line.planned_start
            finish = line.planned_finish
            if start is None or finish is None or start > now:
                values.update(status="not_started", percent_done="0")
            elif line.code == behind:
                values.update(
                    status="in_progress",
                    percent_done="35",
                    actual_start=str(start),
                    progress_note="Đang hoàn thiện hồ sơ, chậm so với kế hoạch do thay đổi người phụ trách.",
                )
            elif finish < now and (office_index + index) % 4 != 3:
                values.update(_done(line, 10 + office_index * 10 + index))
            elif finish < now:
                values.update(
                    status="in_progress",
                    percent_done="60",
                    actual_start=str(start),
                    progress_note="Đang triển khai, dự kiến hoàn thành trong quý tới.",
                )
            elif not blocked_given and not line.mandatory and not superseded:
                blocked_given = True
                values.update(
                    status="blocked",
                    percent_done="20",
                    actual_start=str(start),
                    blocked_reason="Chờ bố trí kinh phí trong dự toán năm sau.",
                )
            else:
                values.update(
                    status="in_progress",
                    percent_done=str(min(90, 30 + 15 * index)),
                    actual_start=str(start),
                    progress_note="Đang triển khai theo kế hoạch.",
                )
            tracking.update_progress(assessment, line.code, values, actor=respondent, expected_version=0)
        db.session.commit()


def accept_some(
    cycle_id: int, consultants: dict[int, User], superseded_offices: Collection[int] = ()
) -> None:
    """The consultants have accepted half of the reported completions and questioned one."""
    reviewed = db.session.scalar(
        select(InitiativeTracking.id)
        .join(Assessment, Assessment.id == InitiativeTracking.assessment_id)
        .where(Assessment.cycle_id == cycle_id, InitiativeTracking.reviewed_by_id.is_not(None))
        .limit(1)
    )
    if reviewed is not None:  # reviewed by an earlier load: a second load adds nothing
        return
    questioned = False
    for assessment in db.session.scalars(
        select(Assessment).where(
            Assessment.cycle_id == cycle_id, Assessment.status == AssessmentStatus.PUBLISHED.value
        )
    ):
        consultant = consultants.get(assessment.office_id)
        if consultant is None:
            continue
        for index, line in enumerate(tracking.lines(assessment)):
            if line.status.value != "done" or line.state["verdict"] or line.state["review_comment"]:
                continue
            if not questioned and not _superseded(assessment, superseded_offices):
                questioned = True
                tracking.review(
                    assessment,
                    line.code,
                    verdict="questioned",
                    comment="Biên bản nghiệm thu chưa có chữ ký của lãnh đạo đơn vị; đề nghị bổ sung.",
                    actor=consultant,
                    expected_version=line.version,
                )
            elif index % 2 == 0:
                tracking.review(
                    assessment,
                    line.code,
                    verdict="accepted",
                    comment="",
                    actor=consultant,
                    expected_version=line.version,
                )
        db.session.commit()

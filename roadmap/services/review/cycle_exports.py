"""A cycle's results for consultants: scores and levels, answers and roadmaps, and the department's demand
block summed across the offices (roadmap.services.review.demand), as CSV or XLSX.

Built on the portfolio (same offices, same reviewed results, same filters) and read in a fixed number of
queries. Cells that a spreadsheet would run as formulas are neutralised.

Also a job kind, "cycle-export" (roadmap.services.platform.jobs): the portfolio page's "prepare export" runs
it on a worker when Redis is configured, and the consultant downloads the file from the job's status page.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AnswerRecord, Cycle, RoadmapPlan, User
from roadmap.policy import Action, permits
from roadmap.services.platform.jobs import N_, JobFailure, JobResult
from roadmap.services.platform.spreadsheet import safe_cell
from roadmap.services.review import demand as demand_service
from roadmap.services.review import portfolio as portfolio_service
from roadmap.services.review.portfolio import Portfolio

Table = tuple[list[str], list[list[Any]]]


def scores_table(view: Portfolio) -> Table:
    codes = [code for code, _ in view.dimensions]
    head = ["office_code", "office", "status", "index", "level", *[f"level_{code}" for code in codes]]
    body = []
    for row in view.rows:
        body.append(
            [
                row.office.code,
                row.office.name_vi,
                row.assessment.status if row.assessment else "",
                row.index,
                row.level,
                *[row.levels.get(code) for code in codes],
            ]
        )
    return head, body


def answers_table(view: Portfolio) -> Table:
    shown = {row.assessment.id: row.office.code for row in view.with_results if row.assessment}
    head = ["office_code", "question", "state", "value", "version"]
    body: list[list[Any]] = []
    if shown:
        records = db.session.scalars(
            select(AnswerRecord)
            .where(AnswerRecord.assessment_id.in_(list(shown)))
            .order_by(AnswerRecord.assessment_id, AnswerRecord.question_code)
        )
        for record in records:
            value = record.value
            text = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
            body.append(
                [shown[record.assessment_id], record.question_code, record.state, text, record.version]
            )
    return head, body


def roadmaps_table(view: Portfolio) -> Table:
    shown = {
        row.assessment.id: row.office.code for row in view.rows if row.assessment and not row.other_framework
    }
    head = ["office_code", "plan_version", "initiative", "origin", "status", "start", "end", "phase"]
    body: list[list[Any]] = []
    if shown:
        latest: dict[int, RoadmapPlan] = {}
        for plan in db.session.scalars(
            select(RoadmapPlan)
            .where(RoadmapPlan.assessment_id.in_(list(shown)))
            .order_by(RoadmapPlan.assessment_id, RoadmapPlan.version.desc())
        ):
            latest.setdefault(plan.assessment_id, plan)
        for assessment_id, plan in sorted(latest.items(), key=lambda item: shown[item[0]]):
            for item in plan.plan.get("items", []):
                body.append(
                    [
                        shown[assessment_id],
                        plan.version,
                        item.get("code"),
                        item.get("origin"),
                        item.get("status"),
                        item.get("start_quarter"),
                        item.get("end_quarter"),
                        (item["phase"] + 1) if isinstance(item.get("phase"), int) else None,
                    ]
                )
    return head, body


def demand_table(view: Portfolio) -> Table:
    """The demand block over the portfolio's offices: a row per number (its sum) and per option of a choice
    (the offices that chose it), each with the offices that answered and those that did not (of which
    without a submitted result). Empty (the header only) when the cycle's framework has no demand block."""
    head = [
        "question",
        "question_text",
        "measure",
        "option",
        "option_label",
        "value",
        "unit",
        "offices_answered",
        "offices_not_answered",
        "offices_without_result",
    ]
    body: list[list[Any]] = []
    found = demand_service.build(view)
    for line in found.lines if found is not None else ():
        question = line.question
        counts = (line.answered, line.not_answered, line.without_result)
        if line.summed:
            unit = question.unit.get("vi") if question.unit is not None else ""
            body.append(
                [question.code, question.text.get("vi"), "sum", "", "", line.total_number, unit, *counts]
            )
        for option, count in line.counts:
            body.append(
                [
                    question.code,
                    question.text.get("vi"),
                    "count",
                    option.code,
                    option.label.get("vi"),
                    count,
                    "",
                    *counts,
                ]
            )
    return head, body


def to_csv(table: Table) -> bytes:
    head, body = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in body:
        writer.writerow([safe_cell(_plain(cell)) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(view: Portfolio, part: str = "scores") -> bytes:
    """The workbook: scores, answers, roadmaps (and the demand block when the cycle's framework has one);
    the demand block alone for the part "demand"."""
    if part == "demand":
        sheets = [("demand", demand_table(view))]
    else:
        sheets = [
            ("scores", scores_table(view)),
            ("answers", answers_table(view)),
            ("roadmaps", roadmaps_table(view)),
        ]
        demand = demand_table(view)
        if demand[1]:
            sheets.append(("demand", demand))
    workbook = Workbook()
    first = True
    for title, table in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        assert sheet is not None  # noqa: S101 (a new workbook has an active sheet)
        sheet.title = title
        head, body = table
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            sheet.append([safe_cell(_plain(cell)) if isinstance(cell, str) else cell for cell in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return value.replace("\r", " ").replace("\n", " ")
    return value


# --- the export as a whole, and as a job -----------------------------------------------------------------

FORMATS = ("csv", "xlsx")
CSV_PARTS = ("scores", "answers", "roadmaps", "demand")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(view: Portfolio, fmt: str, part: str = "scores") -> JobResult:
    """One export file: a CSV part, or the XLSX workbook (of every part, or of the demand block alone);
    ValueError for anything else."""
    code = view.cycle.code
    if part not in CSV_PARTS:
        raise ValueError(part)
    if fmt == "csv":
        tables = {
            "scores": scores_table,
            "answers": answers_table,
            "roadmaps": roadmaps_table,
            "demand": demand_table,
        }
        return JobResult(to_csv(tables[part](view)), f"{part}-{code}.csv", "text/csv")
    if fmt == "xlsx":
        name = f"demand-{code}.xlsx" if part == "demand" else f"cycle-{code}.xlsx"
        return JobResult(to_xlsx(view, part), name, XLSX_TYPE)
    raise ValueError(fmt)


KIND = "cycle-export"
TITLE = N_("Cycle export")


def export_job(params: dict[str, Any], user: User) -> JobResult:
    """params: cycle (id), fmt, part, kind and status (the portfolio's filters); what the user may see."""
    if not permits(user, Action.VIEW_REVIEW_QUEUE):
        raise JobFailure(N_("Your account may no longer export cycle results."))
    cycle = db.session.get(Cycle, params.get("cycle") or 0)
    if cycle is None:
        raise JobFailure(N_("The cycle of this export no longer exists."))
    view = portfolio_service.build(
        user, cycle, office_kind=params.get("kind") or None, status=params.get("status") or None
    )
    try:
        return export(view, str(params.get("fmt")), str(params.get("part") or "scores"))
    except ValueError as error:
        raise JobFailure(N_("This export format is not known.")) from error

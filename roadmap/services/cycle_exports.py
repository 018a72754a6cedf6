"""A cycle's results for consultants: scores and levels, answers and roadmaps, as CSV or XLSX.

Built on the portfolio (same offices, same reviewed results, same filters) and read in a fixed number of
queries. Cells that a spreadsheet would run as formulas are neutralised.
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
from roadmap.models import AnswerRecord, RoadmapPlan
from roadmap.services.portfolio import Portfolio
from roadmap.services.roadmap_exports import safe_cell

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
    shown = {row.assessment.id: row.office.code for row in view.rows if row.assessment}
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


def to_csv(table: Table) -> bytes:
    head, body = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in body:
        writer.writerow([safe_cell(_plain(cell)) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(view: Portfolio) -> bytes:
    workbook = Workbook()
    first = True
    for title, table in (
        ("scores", scores_table(view)),
        ("answers", answers_table(view)),
        ("roadmaps", roadmaps_table(view)),
    ):
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

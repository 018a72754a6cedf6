"""The approved roadmap as files: CSV and XLSX (one row per initiative, in the reader's language) and JSON
(everything, machine-readable: the generated plan as stored, the edits and the approved roadmap).

Spreadsheet cells are protected against formula injection: a text that a spreadsheet would run as a formula
(starting with =, +, -, @, or a tab or carriage return before one of them) is written with a leading
apostrophe, which spreadsheets show as text. Initiative names, reasons and notes are typed by people, so
this matters. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from werkzeug.utils import secure_filename

from roadmap.services.plans import wording as text
from roadmap.services.plans.roadmaps import Roadmap
from roadmap.services.platform.spreadsheet import Cell, safe_cell


def filename(roadmap: Roadmap, extension: str) -> str:
    """An ASCII name that is safe on every system: roadmap-VPCP-2026-v3.csv."""
    assessment = roadmap.assessment
    name = f"roadmap-{assessment.office.code}-{assessment.cycle.code}-v{roadmap.row.version}.{extension}"
    return secure_filename(name) or f"roadmap.{extension}"


def headers() -> list[str]:
    return [
        _("Position"),
        _("Code"),
        _("Initiative"),
        _("Status"),
        _("Origin"),
        _("Mandatory"),
        _("Legal deadline"),
        _("Start quarter"),
        _("End quarter"),
        _("First month"),
        _("Last month"),
        _("Phase"),
        _("Duration (months)"),
        _("Effort (person-months)"),
        _("Cost class"),
        _("Priority"),
        _("Prerequisites"),
        _("Why"),
        _("Warnings"),
        _("Key performance indicators"),
        _("Policy references"),
        _("Consultant changes"),
        _("Notes"),
    ]


def rows(roadmap: Roadmap) -> list[list[Cell]]:
    framework = roadmap.framework
    here = text.locale()
    table: list[list[Cell]] = []
    for item in roadmap.effective.items:
        initiative = item.initiative
        table.append(
            [
                item.position,
                item.code,
                initiative.name.get(here),
                text.status_label(item.status),
                text.origin_label(item.item.origin),
                _("Yes") if item.item.mandatory else _("No"),
                text.date_text(item.item.deadline),
                text.quarter_label(item.start_quarter),
                text.quarter_label(item.end_quarter),
                text.month_label(item.first_month),
                text.month_label(item.last_month),
                "" if item.phase is None else item.phase + 1,
                initiative.duration_months,
                float(initiative.effort_person_months),
                initiative.cost_class.value,
                item.item.priority,
                ", ".join(item.item.prerequisites),
                text.why_text(framework, item),
                " ".join(text.item_warnings(framework, item)),
                "; ".join(kpi.get(here) for kpi in initiative.kpis),
                "; ".join(text.policy_titles(framework, initiative.policy_refs)),
                " ".join(text.item_changes(framework, item)),
                " ".join(note.payload.get("text", "") for note in item.notes),
            ]
        )
    return table


def to_csv(roadmap: Roadmap) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Vietnamese letters right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in headers()])
    for row in rows(roadmap):
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet(workbook: Workbook, title: str, head: Sequence[str], body: Sequence[Sequence[Cell]]) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in head])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append([safe_cell(cell) for cell in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str))
    sheet.freeze_panes = "C2"


def to_xlsx(roadmap: Roadmap) -> bytes:
    """Three sheets: the initiatives, the phases (load against capacity), the consultants' changes."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # a new workbook comes with an empty sheet
    _sheet(workbook, _("Roadmap"), headers(), rows(roadmap))
    phases: list[list[Cell]] = [
        [
            phase.index + 1,
            text.month_label(phase.first_month),
            text.month_label(phase.last_month),
            phase.capacity,
            round(phase.load, 3),
            round(phase.proposed_load, 3),
            ", ".join(phase.initiatives),
        ]
        for phase in roadmap.effective.phases
    ]
    _sheet(
        workbook,
        _("Phases"),
        [
            _("Phase"),
            _("First month"),
            _("Last month"),
            _("Capacity (person-months)"),
            _("Load (person-months)"),
            _("Proposed load (person-months)"),
            _("Initiatives"),
        ],
        phases,
    )
    _sheet(workbook, _("Changes"), change_headers(), change_rows(roadmap))
    workbook.properties.title = _("Roadmap")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def change_headers() -> list[str]:
    return [_("No."), _("Kind"), _("Change"), _("Reason"), _("Author"), _("Date"), _("Status")]


def change_rows(roadmap: Roadmap) -> list[list[Cell]]:
    return [
        [
            outcome.edit.seq,
            text.kind_label(outcome.edit.kind),
            text.edit_summary(roadmap.framework, outcome.edit),
            outcome.edit.reason,
            outcome.edit.author,
            outcome.edit.at.isoformat() if outcome.edit.at else "",
            text.outcome_text(outcome),
        ]
        for outcome in roadmap.effective.outcomes
    ]


def to_json(roadmap: Roadmap) -> dict[str, Any]:
    """Codes and numbers, no localised text (a program reads it): the plan exactly as stored, its inputs'
    identity, the edits and the approved roadmap."""
    assessment = roadmap.assessment
    row = roadmap.row
    return {
        "format": "roadmap/1",
        "assessment": {
            "id": assessment.id,
            "office": assessment.office.code,
            "cycle": assessment.cycle.code,
            "status": assessment.status,
        },
        "plan_version": row.version,
        "generated_at": row.created_at.isoformat(),
        "cause": row.cause,
        "score_basis": row.score_basis,
        "score_snapshot": row.score_snapshot_id,
        "framework_fingerprint": row.framework_fingerprint,
        "engine_version": row.engine_version,
        "parameters": row.parameters,
        "proposed": row.plan,
        "edits": [
            {
                "seq": outcome.edit.seq,
                "kind": outcome.edit.kind.value,
                "initiative": outcome.edit.initiative,
                "payload": dict(outcome.edit.payload),
                "reason": outcome.edit.reason,
                "author": outcome.edit.author,
                "at": outcome.edit.at.isoformat() if outcome.edit.at else None,
                "plan_version": outcome.edit.plan_version,
                "applies": outcome.applies,
                "inapplicable": outcome.inapplicable.value if outcome.inapplicable else None,
            }
            for outcome in roadmap.effective.outcomes
        ],
        "approved": {
            "items": [
                {
                    "position": item.position,
                    "code": item.code,
                    "name": item.initiative.name.as_dict(),
                    "status": item.status.value,
                    "origin": item.item.origin.value,
                    "start": item.start,
                    "end": item.end,
                    "start_quarter": item.start_quarter,
                    "end_quarter": item.end_quarter,
                    "phase": item.phase,
                    "deadline_status": item.deadline_status.value if item.deadline_status else None,
                    "removed": item.removed,
                    "moved": item.moved_by is not None,
                    "added": item.added_by is not None,
                    "notes": [note.payload.get("text", "") for note in item.notes],
                    "findings": [[f.code, f.other] for f in item.findings],
                }
                for item in roadmap.effective.items
            ],
            "phases": [
                {
                    "index": phase.index,
                    "capacity": phase.capacity,
                    "load": phase.load,
                    "over_capacity": phase.over_capacity,
                    "initiatives": list(phase.initiatives),
                }
                for phase in roadmap.effective.phases
            ],
            "trajectory": [
                {
                    "phase": point.phase,
                    "completed": list(point.completed),
                    "index": point.projection.index,
                    "level": point.projection.level,
                    "levels": {d.code: d.level for d in point.projection.dimensions},
                }
                for point in roadmap.effective.trajectory
            ],
            "notes": [note.payload.get("text", "") for note in roadmap.effective.notes],
        },
    }

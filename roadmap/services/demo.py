"""Demonstration data: the shipped framework, the central offices, accounts for each role and an open
cycle. Idempotent.

Passwords are generated on the first load and kept in instance/demo-logins.json (owner-only), so that a
second load prints the same logins; nothing about them is written in the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import ConsultantAssignment, Cycle, OfficeKind, Role, User
from roadmap.services import accounts, frameworks
from roadmap.services.cycles import CycleDetails, create_cycle
from roadmap.services.offices import OfficeDetails, create_office, office_by_code

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
    frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
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
    db.session.commit()
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
            ),
            actor=None,
        )
    _write_saved(logins)
    return logins

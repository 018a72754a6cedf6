"""The portfolio page with 100, 1,000 and 5,000 offices × 3 cycles: `python -m bench.bench_portfolio`.

Each office has an approved assessment with a score snapshot in each cycle (SQLite, real migrations). The
page is requested as the administrator through the test client (authorisation, queries, heatmap SVG and
template included); p50 and p95 over repeats. Goals (issue 7): p95 under 300 ms at 1,000 offices; time no
worse than linear in the number of offices.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert, select

from bench.bench_scoring import OUTPUT, merge
from roadmap.web import heap

GOAL_P95_MS = 300.0
SIZES = (100, 1000, 5000)
CYCLES = 3


def build(url: str, offices: int) -> tuple[object, str]:
    from flask_migrate import upgrade

    from app import create_app
    from roadmap.extensions import db
    from roadmap.models import Assessment, Cycle, Office, ScoreSnapshot, User
    from roadmap.services.directory.accounts import hash_password
    from roadmap.services.survey import frameworks

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
    with app.app_context():
        upgrade()
        version = frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None).version
        codes = [d.code for d in frameworks.framework_of(version).dimensions]
        db.session.add(
            User(
                email="admin@bench.vn", full_name="Admin", role="admin", password_hash=hash_password("x" * 16)
            )
        )
        db.session.execute(
            insert(Office),
            [
                {"code": f"O{i:05d}", "name_vi": f"Đơn vị số {i}", "name_en": f"Office {i}", "kind": "other"}
                for i in range(offices)
            ],
        )
        db.session.execute(
            insert(Cycle),
            [
                {
                    "code": str(2024 + c),
                    "name_vi": f"Kỳ {2024 + c}",
                    "name_en": str(2024 + c),
                    "status": "open",
                    "opens_on": dt.date(2024 + c, 1, 1),
                    "closes_on": dt.date(2024 + c, 12, 31),
                }
                for c in range(CYCLES)
            ],
        )
        office_ids = list(db.session.scalars(select(Office.id).order_by(Office.id)))
        cycle_ids = list(db.session.scalars(select(Cycle.id).order_by(Cycle.id)))
        db.session.execute(
            insert(Assessment),
            [
                {"office_id": o, "cycle_id": c, "framework_version_id": version.id, "status": "approved"}
                for c in cycle_ids
                for o in office_ids
            ],
        )
        rng = random.Random(7)  # noqa: S311 (benchmark data)
        assessment_ids = list(db.session.scalars(select(Assessment.id).order_by(Assessment.id)))
        db.session.execute(
            insert(ScoreSnapshot),
            [
                {
                    "assessment_id": a,
                    "reason": "approved",
                    "framework_fingerprint": version.fingerprint,
                    "engine_version": "1.0.0",
                    "index_value": round(rng.uniform(100, 900), 1),
                    "overall_level": rng.randint(1, 5),
                    "levels": {code: rng.randint(1, 5) for code in codes},
                    "result": {"dimensions": []},
                }
                for a in assessment_ids
            ],
        )
        db.session.commit()
        db.engine.dispose()
    return app, "admin@bench.vn"


def measure(app: object, email: str, repeats: int) -> list[float]:
    import re

    client = app.test_client()  # type: ignore[attr-defined]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"csrf_token": token, "email": email, "password": "x" * 16})
    client.get("/review/portfolio")  # warm: framework parsed, templates compiled
    heap.worker_ready()  # as a served worker is, after its first request (gunicorn.conf.py, web/heap.py)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get("/review/portfolio")
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"portfolio page answered {response.status_code}")
    return times


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float | str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--sizes", type=lambda text: tuple(int(part) for part in text.split(",")), default=SIZES
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float | str]] = {}
    medians = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            app, email = build(f"sqlite:///{Path(folder) / 'portfolio.db'}", size)
            times = sorted(measure(app, email, args.repeats))
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        medians[size] = p50
        results[f"portfolio_{size}_offices_p95"] = {
            "value": round(p95, 1),
            "unit": "ms",
            "goal": GOAL_P95_MS if size == 1000 else "-",
        }
        print(f"{size:>5} offices × {CYCLES} cycles: p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    if 1000 in medians and 5000 in medians:
        growth = (medians[5000] / medians[1000]) / 5
        results["portfolio_growth_1000_to_5000_vs_linear"] = {
            "value": round(growth, 2),
            "unit": "× linear",
            "goal": 1.0,
        }
        print(f"growth 1,000 → 5,000 offices: {growth:.2f} × linear (goal ≤ 1)")
    merge(results, args.output)
    return results


if __name__ == "__main__":
    main()

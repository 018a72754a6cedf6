"""Re-scoring stored assessments against loading their answers: `python -m bench.bench_rescore [--count N]`.

Builds a fresh SQLite database (real migrations) with N complete assessments of the shipped framework, then
times (a) loading every answer from the database into the engine's Answer values, grouped by assessment, and
(b) the same load followed by scoring each assessment. Goal (issue 4): (b) under twice (a), i.e. scoring costs
less than reading. Set BENCH_DATABASE_URL to measure PostgreSQL instead (its tables are emptied first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bench.bench_scoring import OUTPUT, merge, random_inputs

GOAL_RATIO = 2.0


def build(count: int, url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from roadmap.extensions import db
    from roadmap.models import AnswerRecord, Assessment, Cycle, Office
    from roadmap.services.survey import frameworks

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        if not url.startswith("sqlite"):
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        version = frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None).version
        framework = frameworks.framework_of(version)
        offices_needed = max(1, (count + 99) // 100)
        db.session.execute(
            insert(Office),
            [
                {"code": f"B{i:05d}", "name_vi": f"Đơn vị {i}", "name_en": f"Office {i}", "kind": "other"}
                for i in range(offices_needed)
            ],
        )
        db.session.execute(
            insert(Cycle),
            [
                {
                    "code": f"C{c:03d}",
                    "name_vi": f"Kỳ {c}",
                    "name_en": f"Cycle {c}",
                    "opens_on": dt.date(2000 + c // 12, 1 + c % 12, 1),
                    "closes_on": dt.date(2000 + c // 12, 1 + c % 12, 28),
                    "status": "open",
                }
                for c in range(100)
            ],
        )
        db.session.execute(
            insert(Assessment),
            [
                {
                    "office_id": 1 + i // 100,
                    "cycle_id": 1 + i % 100,
                    "framework_version_id": version.id,
                    "status": "draft",
                }
                for i in range(count)
            ],
        )
        sets = random_inputs(framework, count, seed=4242)
        batch: list[dict[str, Any]] = []
        for assessment_id, (answers, _) in enumerate(sets, start=1):
            for code, answer in answers.items():
                value = sorted(answer.value) if isinstance(answer.value, frozenset) else answer.value
                batch.append(
                    {
                        "assessment_id": assessment_id,
                        "question_code": code,
                        "state": "answered",
                        "value": value,
                    }
                )
            if len(batch) >= 20_000:
                db.session.execute(insert(AnswerRecord), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(AnswerRecord), batch)
        db.session.commit()
        db.engine.dispose()


def measure(url: str, repeats: int) -> dict[str, float]:
    from app import create_app
    from roadmap.engine.scoring import score
    from roadmap.extensions import db
    from roadmap.models import AnswerRecord, FrameworkVersion
    from roadmap.services.survey import frameworks
    from roadmap.services.survey.answers import stored_answer

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        framework = frameworks.framework_of(db.session.scalar(select(FrameworkVersion)))
        questions = {q.code: q for q in framework.questions}
        query = select(
            AnswerRecord.assessment_id, AnswerRecord.question_code, AnswerRecord.state, AnswerRecord.value
        ).order_by(AnswerRecord.assessment_id)

        def load() -> dict[int, dict[str, Any]]:
            grouped: dict[int, dict[str, Any]] = {}
            for assessment_id, code, state, value in db.session.execute(query):
                grouped.setdefault(assessment_id, {})[code] = stored_answer(questions[code], state, value)
            return grouped

        def load_and_score() -> int:
            grouped = load()
            for answers in grouped.values():
                score(framework, answers, guidance=False)
            return len(grouped)

        score(framework, {})  # compile the scorer outside the timing
        load_times, rescore_times, count = [], [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            count = len(load())
            load_times.append(time.perf_counter() - started)
            db.session.rollback()
            started = time.perf_counter()
            load_and_score()
            rescore_times.append(time.perf_counter() - started)
            db.session.rollback()
        db.engine.dispose()
    best_load, best_rescore = min(load_times), min(rescore_times)
    return {"count": count, "load_s": best_load, "rescore_s": best_rescore, "ratio": best_rescore / best_load}


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float | str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    random.seed(0)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        build(args.count, url)
        built = time.perf_counter() - started
        figures = measure(url, args.repeats)
    backend = url.split(":", 1)[0]
    results: dict[str, dict[str, float | str]] = {
        "rescore_load_seconds": {"value": round(figures["load_s"], 3), "unit": "s", "goal": "-"},
        "rescore_load_and_score_seconds": {"value": round(figures["rescore_s"], 3), "unit": "s", "goal": "-"},
        "rescore_ratio_to_load": {"value": round(figures["ratio"], 2), "unit": "×", "goal": GOAL_RATIO},
    }
    merge(results, args.output)
    print(f"{int(figures['count']):,} stored assessments on {backend} (built in {built:.1f} s)")
    print(f"load answers:            {figures['load_s']:.3f} s")
    print(f"load + score:            {figures['rescore_s']:.3f} s")
    ok = "yes" if figures["ratio"] < GOAL_RATIO else "NO"
    print(f"ratio (goal < {GOAL_RATIO:.0f}×):      {figures['ratio']:.2f}×  {ok}")
    return results


if __name__ == "__main__":
    main()

"""Plausible answers for demonstration offices: each office has a strength per dimension, and answers
scatter around it, with a few "don't know" and N/A as real respondents give them. Deterministic by seed."""

from __future__ import annotations

import random
from collections.abc import Mapping

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.framework import Framework, Question
from roadmap.engine.question_types import kind_of

DEMO_NOTES = (
    "Đơn vị đã triển khai theo kế hoạch năm; cần bổ sung kinh phí cho giai đoạn tiếp theo.",
    "Đang phối hợp với Cục Bưu điện Trung ương để hoàn thiện phương án kỹ thuật.",
    "Số liệu tổng hợp từ báo cáo quý gần nhất của đơn vị chuyên trách công nghệ thông tin.",
    "Kế hoạch chi tiết sẽ được trình lãnh đạo đơn vị phê duyệt trong quý tới.",
)


def _value(question: Question, strength: float, rng: random.Random) -> AnswerValue | None:
    """A value scattered around `strength`, as its question type draws one; a note for a question that is
    never scored (text); None when the type has no plausible value for it (the question stays unanswered)."""
    kind = kind_of(question)
    value = kind.example(question, strength, rng)
    if value is None and not kind.scored:
        return rng.choice(DEMO_NOTES)
    return value


def demo_answers(
    framework: Framework, strengths: Mapping[str, float], *, seed: int, share: float = 1.0
) -> dict[str, Answer]:
    """Answers for `share` of the questions (in survey order), scattered around each dimension's strength."""
    rng = random.Random(seed)  # noqa: S311 (demonstration data, not security)
    answers: dict[str, Answer] = {}
    limit = round(len(framework.questions) * share)
    for question in framework.questions[:limit]:
        strength = strengths.get(question.dimension, 0.5)
        draw = rng.random()
        if question.allow_na and draw < 0.04:
            answers[question.code] = Answer.not_applicable()
        elif question.allow_dont_know and draw > 0.975:
            answers[question.code] = Answer.dont_know()
        else:
            value = _value(question, strength, rng)
            if value is not None:
                answers[question.code] = Answer.of(value)
    return answers

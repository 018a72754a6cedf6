"""Plausible answers for demonstration offices: each office has a strength per dimension, and answers
scatter around it, with a few "don't know" and N/A as real respondents give them. Deterministic by seed."""

from __future__ import annotations

import random
from collections.abc import Mapping

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.framework import Framework, Question, QuestionType

DEMO_NOTES = (
    "Đơn vị đã triển khai theo kế hoạch năm; cần bổ sung kinh phí cho giai đoạn tiếp theo.",
    "Đang phối hợp với Cục Bưu điện Trung ương để hoàn thiện phương án kỹ thuật.",
    "Số liệu tổng hợp từ báo cáo quý gần nhất của đơn vị chuyên trách công nghệ thông tin.",
    "Kế hoạch chi tiết sẽ được trình lãnh đạo đơn vị phê duyệt trong quý tới.",
)


def _pick_by_points(question: Question, strength: float, rng: random.Random) -> str:
    """The option whose points are nearest a noisy draw around `strength`."""
    aim = min(max(rng.gauss(strength, 0.2), 0.0), 1.0)
    return min(question.options, key=lambda option: (abs(option.points - aim), option.code)).code


def _value(question: Question, strength: float, rng: random.Random) -> AnswerValue:
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE):
        return _pick_by_points(question, strength, rng)
    if kind is QuestionType.MULTI_CHOICE:
        plain = [option for option in question.options if not option.exclusive]
        chosen = frozenset(option.code for option in plain if rng.random() < strength)
        if chosen:
            return chosen
        exclusive = [option.code for option in question.options if option.exclusive]
        return frozenset(exclusive[:1] or [plain[0].code])
    if kind is QuestionType.YES_NO:
        return rng.random() < strength
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        low = 0.0 if kind is QuestionType.PERCENT else float(question.min_value or 0.0)
        high = 100.0 if kind is QuestionType.PERCENT else float(question.max_value or low)
        aim = min(max(rng.gauss(strength, 0.2), 0.0), 1.0)
        steps = [step for step in question.points_by_value if low <= step.at_least <= high]
        if steps:
            step = min(steps, key=lambda s: abs(s.points - aim))
            following = [s.at_least for s in steps if s.at_least > step.at_least]
            top = min(following) if following else high
            # Somewhere within the chosen step, as a measured figure would be.
            return round(rng.uniform(step.at_least, max(step.at_least, top - 0.1)), 1)
        return round(low + (high - low) * aim, 1)
    return rng.choice(DEMO_NOTES)


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
            answers[question.code] = Answer.of(_value(question, strength, rng))
    return answers

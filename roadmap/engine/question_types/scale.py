"""scale: one step of a graded scale (e.g. from "not at all" to "fully"), each step with its points; steps
go from worst to best, so conditions may compare them by order."""

from __future__ import annotations

from typing import Literal

from roadmap.engine.framework import QuestionType
from roadmap.engine.question_types.choices import ChoiceModel
from roadmap.engine.question_types.single_choice import OneOption


class ScaleModel(ChoiceModel):
    type: Literal["scale"]


class Scale(OneOption[ScaleModel]):
    name = QuestionType.SCALE
    model = ScaleModel

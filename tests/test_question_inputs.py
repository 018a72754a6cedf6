"""The survey page's registry of question inputs (forms/question_inputs.py) stands beside the engine's
registry of types: every type has exactly one input, whose partial exists and whose script hook is one the
page's script knows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms.question_inputs import QUESTION_INPUTS, QuestionInput, QuestionInputs
from roadmap.engine.question_types import QUESTION_TYPES

ROOT = Path(__file__).resolve().parents[1]


def test_every_question_type_has_an_input_with_a_partial_and_a_known_script_hook() -> None:
    script = (ROOT / "static" / "js" / "survey.js").read_text(encoding="utf-8")
    table = script[script.index("var inputHooks = {") :]
    hooks = set(re.findall(r"^    (\w+): \{", table[: table.index("\n  };")], flags=re.M))
    assert hooks == {"one", "yes_no", "many", "number", "text"}
    for name in QUESTION_TYPES.names:
        entry = QUESTION_INPUTS[name]
        assert (ROOT / "templates" / entry.template).is_file(), name
        assert entry.script in hooks, name


def test_an_input_given_twice_or_a_type_without_one_is_refused_at_start_up() -> None:
    every = [QUESTION_INPUTS[name] for name in QUESTION_TYPES.names]
    with pytest.raises(ValueError, match="the input of question type 'date' is registered twice"):
        QuestionInputs([*every, QUESTION_INPUTS["date"]])
    with pytest.raises(ValueError, match="question types without an input on the survey page: date"):
        QuestionInputs([entry for entry in every if entry.type != "date"])
    assert isinstance(QuestionInputs(every)["date"], QuestionInput)

"""Carrying answers from an older framework version into a newer one, by the newer file's declared map
(`carry_forward: {from: <version>, map: {OLD: NEW}}`). Pure: the service decides whose answers and marks each
carried answer "to confirm"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from roadmap.engine.answers import Answer
from roadmap.engine.errors import InvalidAnswer, Problem
from roadmap.engine.framework import Framework
from roadmap.engine.scoring import validate_answer

_RELEASE = re.compile(r"^[0-9]+(?:\.[0-9]+)*")


def carry_forward(
    answers: Mapping[str, Answer],
    mapping: Iterable[tuple[str, str]] | Mapping[str, str],
    into: Framework | None = None,
) -> dict[str, Answer]:
    """The answers under their new codes, for the OLD → NEW pairs of `mapping` whose OLD question was
    answered; with `into` (the newer framework), an answer its new question does not allow is left behind
    (an option that no longer exists, a number outside the new range) rather than carried wrong."""
    pairs = mapping.items() if isinstance(mapping, Mapping) else mapping
    carried: dict[str, Answer] = {}
    for old, new in pairs:
        answer = answers.get(old)
        if answer is None:
            continue
        if into is not None:
            if not into.has_question(new):
                continue
            try:
                validate_answer(into.question(new), answer)
            except InvalidAnswer:
                continue
        carried[new] = answer
    return carried


def carry_forward_problems(newer: Framework, older: Framework) -> tuple[Problem, ...]:
    """What is wrong with `newer`'s carry-forward map read against the version it names (`older`): the
    version must match and every OLD code must be a question of it. The loader has checked the NEW codes."""
    declared = newer.carry_forward
    if declared is None:
        return ()
    source = f"{newer.id} {newer.version}"
    lines = declared.lines or (None,) * (len(declared.mapping) + 1)
    problems: list[Problem] = []
    if older.id != newer.id or older.version != declared.from_version:
        problems.append(
            Problem(
                source,
                "carry_forward.from",
                lines[0],
                f"the map is from {newer.id} {declared.from_version}, not {older.id} {older.version}",
            )
        )
    for (old, _new), line in zip(declared.mapping, lines[1:], strict=True):
        if not older.has_question(old):
            problems.append(
                Problem(
                    source,
                    f"carry_forward.map.{old}",
                    line,
                    f"unknown question {old} in {older.id} {older.version}",
                )
            )
    return tuple(problems)


def _release(version: str) -> tuple[int, ...]:
    """The numeric release of a version ("1.0.1-rc" → (1, 0, 1)), for ordering versions of one framework."""
    match = _RELEASE.match(version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def declared_question_map(newer: Framework, older: Framework) -> dict[str, str] | None:
    """`newer`'s declared map (OLD → NEW question codes) when it reaches `older`: the same framework, at the
    map's `from` version or a later one before `newer` (a release that kept `from`'s questions, such as
    central-offices 1.0.1 beside 1.0.0). None when `newer` declares no map or the map does not reach `older`:
    then answers carry by their codes. With a map, only the mapped questions carry."""
    declared = newer.carry_forward
    if declared is None or older.id != newer.id:
        return None
    if not _release(declared.from_version) <= _release(older.version) < _release(newer.version):
        return None
    return dict(declared.mapping)

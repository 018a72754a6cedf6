"""The one text boundary: what a text may hold, its normal form, and how an output keeps it harmless.

Every text that enters the service (forms, JSON bodies, uploads' names, framework files, the command line)
is `normalise`d: NFC, and refused when it holds a character nobody types and some format cannot carry — a
C0 or C1 control other than tab and line breaks, a lone surrogate, a Unicode non-character. Every output
`scrub`s what may still be stored from before, and `isolate`s user text so that a bidirectional override in
it cannot reach the words around it. Pure: the framework loader and the command line use it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; lone surrogates (the only
# surrogates a Python str can hold); the non-characters U+FDD0–U+FDEF and the last two of every plane.
_FORBIDDEN_IN_BMP = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
_FORBIDDEN = re.compile(
    f"[{_FORBIDDEN_IN_BMP}"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
# The same class within the Basic Multilingual Plane, and any character beyond it. The regex engine tests a
# BMP-only class against a bitmap; the astral non-characters turn the class into ranges tried one by one,
# about 14 times slower per character. Every page's and report's output is scrubbed (a chart's SVG runs to a
# megabyte), and texts beyond the BMP (emoji, rare CJK) are few: they alone take the full class.
_FORBIDDEN_BMP = re.compile(f"[{_FORBIDDEN_IN_BMP}]")
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def _forbidden_in(text: str) -> re.Match[str] | None:
    """The first character of `text` that may not be stored, if any."""
    if _BEYOND_BMP.search(text) is None:
        return _FORBIDDEN_BMP.search(text)
    return _FORBIDDEN.search(text)


# Characters that start or end a bidirectional embedding, override or isolate, and the marks.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_ISOLATE_STARTS = "\u2066\u2067\u2068"


class ForbiddenCharacter(ValueError):  # noqa: N818 (the domain's word: `except ForbiddenCharacter`)
    """A text holds a character that may not be stored; `position` counts from 1, as people do."""

    def __init__(self, character: str, position: int, path: str = "") -> None:
        super().__init__(character, position, path)
        self.character = character
        self.position = position
        self.path = path  # where in a structure (a JSON body, a framework file): "answers.0.note"

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.character):04X}"

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}forbidden character {self.code_point} at position {self.position}"


def first_forbidden(text: str) -> ForbiddenCharacter | None:
    """The first character of `text` that may not be stored, or None."""
    found = _forbidden_in(text)
    if found is None:
        return None
    return ForbiddenCharacter(found.group(), found.start() + 1)


def normalise(text: str, path: str = "") -> str:
    """`text` in NFC; raises ForbiddenCharacter if it holds a character that may not be stored."""
    problem = first_forbidden(text)
    if problem is not None:
        raise ForbiddenCharacter(problem.character, problem.position, path)
    return unicodedata.normalize("NFC", text)


def normalise_tree(value: object, path: str = "") -> object:
    """A parsed JSON or YAML value with every text (keys included) normalised; raises with the text's path."""
    if isinstance(value, str):
        return normalise(value, path)
    if isinstance(value, list):
        return [normalise_tree(item, _join(path, str(index))) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            (normalise(key, _join(path, key)) if isinstance(key, str) else key): normalise_tree(
                item, _join(path, str(key))
            )
            for key, item in value.items()
        }
    return value


def texts_of(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text in a parsed JSON value with its path, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from texts_of(item, _join(path, str(index)))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield _join(path, key), key
            yield from texts_of(item, _join(path, str(key)))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def scrub(text: str) -> str:
    """`text` without the characters that may not be stored: what an output does with text from before the
    boundary, so that no format writer ever fails on it."""
    return _FORBIDDEN.sub("", text) if _forbidden_in(text) else text


def isolate(text: str) -> str:
    """`text` scrubbed, and wrapped in a first-strong isolate when it holds bidirectional controls: the
    closing isolate ends every embedding and override opened inside, so none reverses the words around it.
    Stray closing isolates are dropped first (they would close ours early)."""
    text = scrub(text)
    if not _BIDI_CONTROLS.search(text):
        return text
    balanced, depth = [], 0
    for character in text:
        if character in _ISOLATE_STARTS:
            depth += 1
        elif character == POP_DIRECTIONAL_ISOLATE:
            if depth == 0:
                continue
            depth -= 1
        balanced.append(character)
    return FIRST_STRONG_ISOLATE + "".join(balanced) + POP_DIRECTIONAL_ISOLATE * (depth + 1)

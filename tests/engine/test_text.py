"""The text boundary's rule by itself: what may be stored, its normal form, scrub and isolate."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadmap.engine.loader import FrameworkError, load_framework_text
from roadmap.engine.text import (
    FIRST_STRONG_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
    ForbiddenCharacter,
    first_forbidden,
    isolate,
    normalise,
    normalise_tree,
    scrub,
)

REFUSED = [
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud800",
    "\udfff",
    "\ufdd0",
    "\ufffe",
]
REFUSED += ["\U0001fffe", "\U0010ffff"]
KEPT = ["\t", "\n", "\r", "\u202e", "\u2028", "\u00a0", "\u0301", "🇻🇳", "👩‍💻", "\ufffd", "Đ"]


@pytest.mark.parametrize("character", REFUSED)
def test_controls_lone_surrogates_and_non_characters_are_refused_with_their_position(character):
    with pytest.raises(ForbiddenCharacter) as refused:
        normalise(f"ab{character}c", "note")
    assert refused.value.position == 3
    assert refused.value.code_point == f"U+{ord(character):04X}"
    assert str(refused.value).startswith("note: ")


@pytest.mark.parametrize("character", REFUSED)
@pytest.mark.parametrize("company", ["", "🇻🇳 "], ids=["within the BMP", "beside an emoji"])
def test_a_refused_character_is_found_whether_or_not_the_text_reaches_beyond_the_bmp(character, company):
    # Texts within the Basic Multilingual Plane take a faster class than texts beyond it: both refuse alike.
    text = f"{company}{'x' * 5000}{character}y"
    found = first_forbidden(text)
    assert found is not None
    assert found.position == len(company) + 5001
    assert scrub(text) == f"{company}{'x' * 5000}y"


@pytest.mark.parametrize("character", KEPT)
def test_tab_line_breaks_bidi_marks_combining_marks_and_emoji_are_kept(character):
    assert first_forbidden(character) is None
    assert normalise(f"a{character}") == unicodedata.normalize("NFC", f"a{character}")


def test_vietnamese_typed_with_combining_marks_is_stored_composed():
    assert normalise("Vie\u0323\u0302t Nam") == "Việt Nam"


def test_a_json_body_is_normalised_and_a_refusal_names_its_path():
    assert normalise_tree({"a": ["Vie\u0323\u0302t", 1, None]}) == {"a": ["Việt", 1, None]}
    with pytest.raises(ForbiddenCharacter) as refused:
        normalise_tree({"answers": [{"note": "ok"}, {"note": "x\x0b"}]})
    assert refused.value.path == "answers.1.note"


def test_isolate_wraps_only_text_with_bidi_controls_and_closes_what_it_opens():
    assert isolate("12/QĐ-VP") == "12/QĐ-VP"
    assert isolate("a\u202eb") == f"{FIRST_STRONG_ISOLATE}a\u202eb{POP_DIRECTIONAL_ISOLATE}"
    # A stray closing isolate would close ours early; an opened one is closed before ours.
    assert isolate("\u2069x\u2067y") == f"{FIRST_STRONG_ISOLATE}x\u2067y\u2069{POP_DIRECTIONAL_ISOLATE}"


@given(st.text())
def test_scrubbed_text_is_always_accepted_and_isolated_text_is_balanced(text):
    clean = scrub(text)
    assert first_forbidden(clean) is None
    assert normalise(clean) == unicodedata.normalize("NFC", clean)
    isolated = isolate(text)
    depth = 0
    for character in isolated:
        depth += character in "\u2066\u2067\u2068"
        depth -= character == POP_DIRECTIONAL_ISOLATE
        assert depth >= 0
    assert depth == 0


def test_a_framework_file_with_a_forbidden_character_is_refused_at_its_place():
    text = 'format: 1\nid: "x\\x0b"\n'
    with pytest.raises(FrameworkError) as refused:
        load_framework_text(text, "bad.yaml")
    assert any(problem.path == "id" and "U+000B" in problem.message for problem in refused.value.problems), (
        refused.value.problems
    )

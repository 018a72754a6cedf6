"""The one parser and formatter of typed numbers: each locale's form read exactly, any other refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from roadmap.engine.numbers import NumberFormatError, format_number, parse_float, parse_number

LOCALES = ("vi", "en")
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: abs(d.as_tuple().exponent) < 40 and d.adjusted() < 40  # type: ignore[operator]
)


@pytest.mark.parametrize(
    ("typed", "locale", "value"),
    [
        ("1.000", "vi", 1000),
        ("2.500", "vi", 2500),
        ("3.200", "vi", 3200),
        ("38,5", "vi", 38.5),
        ("1.234.567,89", "vi", 1234567.89),
        ("1 000,5", "vi", 1000.5),
        ("-3,2", "vi", -3.2),
        ("0,4", "vi", 0.4),
        ("1.000", "en", 1),
        ("1,000", "en", 1000),
        ("1,234.5", "en", 1234.5),
        ("0.4", "en", 0.4),
        ("  42 ", "en", 42),
    ],
)
def test_each_locale_reads_its_own_form(typed: str, locale: str, value: float) -> None:
    assert parse_float(typed, locale) == value


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("1.0000", "vi"),
        ("1,2,3", "vi"),
        ("1,2,3", "en"),
        ("38.5", "vi"),
        ("2,5", "en"),
        ("1.000,5.3", "vi"),
        ("12,", "vi"),
        ("1..000", "vi"),
        ("1.000 000", "vi"),
        ("1e3", "en"),
        ("", "vi"),
        ("-", "vi"),
        ("mười", "vi"),
        ("12.34,5", "vi"),
        (".000", "vi"),
    ],
)
def test_an_ambiguous_or_malformed_form_is_refused_with_the_expected_form(typed: str, locale: str) -> None:
    with pytest.raises(NumberFormatError) as refused:
        parse_number(typed, locale)
    assert refused.value.form.example == {"vi": "1.234,5", "en": "1,234.5"}[locale]


@given(value=finite_floats, locale=st.sampled_from(LOCALES))
@example(value=1000.0, locale="vi")
@example(value=2.5, locale="vi")
@example(value=-0.0, locale="en")
def test_a_formatted_float_parses_back_to_itself(value: float, locale: str) -> None:
    assert parse_float(format_number(value, locale), locale) == value


@given(value=decimals, locale=st.sampled_from(LOCALES), grouped=st.booleans())
def test_a_formatted_decimal_parses_back_exactly(value: Decimal, locale: str, grouped: bool) -> None:
    assert parse_number(format_number(value, locale, grouped=grouped), locale) == value


@st.composite
def ambiguous_texts(draw: st.DrawFn, locale: str) -> str:
    """A figure whose grouping or decimal marks break the locale's form: a group that is not three digits,
    a second decimal mark, a grouping mark after the decimal mark, or a mark at an end."""
    group, decimal = {"vi": (".", ","), "en": (",", ".")}[locale]
    head = str(draw(st.integers(1, 999)))
    groups = draw(st.lists(st.integers(0, 999).map(lambda n: f"{n:03d}"), max_size=3))
    kind = draw(
        st.sampled_from(["short_group", "long_group", "two_decimals", "group_in_fraction", "dangling"])
    )
    body = group.join([head, *groups])
    if kind == "short_group":
        return body + group + str(draw(st.integers(0, 99)))
    if kind == "long_group":
        return body + group + str(draw(st.integers(1000, 10**7)))
    if kind == "two_decimals":
        return body + decimal + draw(st.text("0123456789", min_size=1, max_size=3)) + decimal + "5"
    if kind == "group_in_fraction":
        return body + decimal + "5" + group + "000"
    return draw(st.sampled_from([body + decimal, body + group, group + body]))


@given(data=st.data(), locale=st.sampled_from(LOCALES))
def test_every_ambiguous_form_is_refused(data: st.DataObject, locale: str) -> None:
    typed = data.draw(ambiguous_texts(locale))
    with pytest.raises(NumberFormatError):
        parse_number(typed, locale)


def test_a_locale_with_a_region_writes_like_its_language() -> None:
    assert parse_float("1.000", "vi_VN") == 1000
    assert format_number(1234.5, "en_GB") == "1,234.5"

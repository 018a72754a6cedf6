"""Fields shared by the forms of several areas: a number typed by a person, read in the user's language.

The one parser of roadmap.engine.numbers reads the text ("0,4" and "1.000" in Vietnamese, "0.4" and "1,000"
in English); a text without one meaning in the user's language is refused beside the field with the form it
expects, and stays in the field as typed. A value set by the view is shown in the same form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from roadmap.engine.numbers import NumberFormatError, format_number, parse_float


def _locale() -> str:
    return str(get_locale() or "vi")


class TypedNumberField(StringField):
    """A figure (data: float, None when empty), or with `separator` a list of figures (data: a tuple)."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, separator: str | None = None, **kwargs: Any
    ):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.separator = separator
        self.typed: str | None = None

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        self.typed = str(valuelist[0]) if valuelist else ""
        self.data = None
        text = self.typed.strip()
        if not text:
            return
        try:
            if self.separator is None:
                self.data = parse_float(text, _locale())
            else:
                self.data = tuple(parse_float(part, _locale()) for part in text.split(self.separator))
        except NumberFormatError as error:
            raise ValueError(
                _l(
                    "Write each number like %(example)s (“%(group)s” between thousands, “%(decimal)s” "
                    "before the decimals).",
                    example=error.form.example,
                    group=error.form.group,
                    decimal=error.form.decimal,
                )
            ) from None

    def _value(self) -> str:
        if self.typed is not None:
            return self.typed
        if self.data is None or self.data == "":
            return ""
        figures = self.data if isinstance(self.data, tuple | list) else (self.data,)
        return f"{self.separator or ''} ".join(format_number(figure, _locale()) for figure in figures)

"""Cells that people typed, made safe for spreadsheets: the one helper every CSV and XLSX writer uses.

A text that a spreadsheet would run as a formula (starting with =, +, -, @, or a tab or carriage return) is
written with a leading apostrophe, which spreadsheets show as text. Characters that a spreadsheet's XML cannot
hold (controls, lone surrogates, non-characters: text stored before the text boundary) are dropped, so one
office's text never breaks another's export. Numbers stay numbers.
"""

from __future__ import annotations

from roadmap.engine.text import scrub

Cell = str | int | float | None

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Cell) -> Cell:
    """The value as a spreadsheet should store it: only characters it can hold, never a formula."""
    if isinstance(value, str):
        value = scrub(value)
        if value.startswith(_FORMULA_STARTS):
            return "'" + value
    return value

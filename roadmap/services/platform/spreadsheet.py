"""Cells that people typed, made safe for spreadsheets: a leaf every CSV and XLSX writer uses.

A text that a spreadsheet would run as a formula (starting with =, +, -, @, or a tab or carriage return) is
written with a leading apostrophe, which spreadsheets show as text. Numbers stay numbers.
"""

from __future__ import annotations

Cell = str | int | float | None

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Cell) -> Cell:
    """The value as a spreadsheet should store it: texts that would start a formula become plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value

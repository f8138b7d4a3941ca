"""The CSV files the product writes (the history's export, an event zip's ``photos.csv``),
safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula, which can run commands (CSV injection): an
upload named ``+cmd|' -c calc'!A0.jpg`` would. Such a cell gets a leading apostrophe, which
spreadsheets take as "text" and do not show. Numbers are written as they are.
"""

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with an apostrophe before a text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class SafeWriter:
    """``csv.writer`` whose every text cell goes through ``safe_cell``."""

    def __init__(self, out: IO[str]):
        self.rows = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self.rows.writerow([safe_cell(value) for value in row])

"""CSV downloads that stream and cannot smuggle formulas into a spreadsheet."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number (-0.336, +2, -1.5E+3) is a number to a spreadsheet, not a formula: left as it is.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def spreadsheet_safe(value) -> str:
    """Cells starting with = + - @ (or tab/CR) are formulas to spreadsheets: prefix them with a quote.

    Numbers, and text that is exactly a number, stay numbers; "-1+cmd|..." is still a formula."""
    text = "" if value is None else str(value)
    if text[:1] in _FORMULA_START and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_response(*, rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the header first) as a CSV attachment, every cell spreadsheet-safe."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([spreadsheet_safe(v) for v in row]) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

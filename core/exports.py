"""CSV downloads that stream and cannot smuggle formulas into a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(value) -> str:
    """Cells starting with = + - @ (or tab/CR) are formulas to spreadsheets: prefix them with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(*, rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the header first) as a CSV attachment, every cell spreadsheet-safe."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([spreadsheet_safe(v) for v in row]) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

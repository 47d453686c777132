"""CSV exports (core/exports.py): formulas are neutralised, numbers stay numbers."""

import csv
import io
from decimal import Decimal

import pytest

from core.exports import csv_response, spreadsheet_safe


@pytest.mark.parametrize(("value", "cell"), [
    (-0.336, "-0.336"),
    (-3, "-3"),
    (Decimal("-12.50"), "-12.50"),
    (1e-7, "1e-07"),
    (-1.5e300, "-1.5e+300"),
    ("-0.336", "-0.336"),  # text that is exactly a number is not a formula
    ("+2", "+2"),
    ("-1.5E+3", "-1.5E+3"),
    ("-.5", "-.5"),
    (0, "0"),
    (None, ""),
    ("ok", "ok"),
])
def test_numbers_and_plain_text_pass_through(value, cell):
    assert spreadsheet_safe(value) == cell


@pytest.mark.parametrize("text", [
    "-1+cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil\")",
    "+1+1",
    "-1-1",
    "-",
    "-1e",
    "-1 ",
    "-1\n",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "-٣",  # a non-ASCII digit is no number to a spreadsheet
    float("-inf"),
])
def test_formulas_are_quoted(text):
    assert spreadsheet_safe(text) == "'" + str(text)


def test_the_csv_keeps_negative_numbers_numeric_and_quotes_formulas():
    response = csv_response(rows=[["sentiment", "comment"], [-0.336, "-1+cmd|' /C calc'!A0"]], filename="x.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [["sentiment", "comment"], ["-0.336", "'-1+cmd|' /C calc'!A0"]]

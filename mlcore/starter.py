"""The project's own starter data (written for SupportLoop, shipped in mlcore/starter/)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent / "starter"
CATEGORIES = (
    "account", "order", "refund", "delivery", "invoice", "feedback",
    "payment", "contact", "shipping_address", "cancellation_fee", "newsletter",
)


def starter_inquiries() -> list[dict]:
    with open(STARTER_DIR / "inquiries.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def starter_sentiment() -> list[dict]:
    with open(STARTER_DIR / "sentiment.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def starter_faq() -> list[dict]:
    return json.loads((STARTER_DIR / "faq.json").read_text(encoding="utf-8"))


def starter_upset() -> list[dict]:
    """Calm problem statements and upset customers (upset 0/1), written for the upset head."""
    with open(STARTER_DIR / "upset.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))

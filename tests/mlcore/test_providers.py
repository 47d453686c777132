"""Training rows the product apps lend the ML core, through the registry in mlcore.providers."""

import pytest

from feedback.training import feedback_training_rows
from mlcore import providers
from mlcore.providers import ProvidedRows, text_key, training_rows_provided, training_rows_provider_register


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(providers, "_providers", {})
    return providers._providers


def _row(text: str) -> dict:
    return {"set": "train", "text": text, "category": "delivery", "source": "feedback", "weight": 0.5}


def test_rows_of_every_provider_in_name_order_without_repeats(registry):
    seen = []

    def second(*, exclude):
        seen.append(set(exclude))
        return ProvidedRows(rows=[_row("Parcel late"), _row("new one")], left_out=1)

    training_rows_provider_register(name="b", provider=second)
    training_rows_provider_register(name="a", provider=lambda *, exclude: ProvidedRows([_row("parcel  LATE")], 2))
    rows, left_out = training_rows_provided(exclude={"already used"})
    assert [r["text"] for r in rows] == ["parcel  LATE", "new one"]
    assert left_out == 3
    assert seen == [{"already used", "parcel late"}]  # a later provider knows what came before


def test_no_provider_no_rows(registry):
    assert training_rows_provided(exclude=set()) == ([], 0)


def test_feedback_registers_its_rows_when_the_app_is_ready():
    assert providers._providers.get("feedback") is feedback_training_rows


def test_text_key_ignores_case_and_spacing():
    assert text_key("  Where IS\tmy parcel ") == "where is my parcel"

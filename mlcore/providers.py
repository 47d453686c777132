"""What the product apps lend the ML core: training rows beyond its own TrainingExample table
(e.g. feedback's well-rated automatic answers). A provider is registered in its app's
AppConfig.ready(); the ML core calls it without importing the app.

A provider is called as provider(exclude=...) with the normalised texts already in the snapshot
(text_key) and returns ProvidedRows: rows shaped like the snapshot's train rows
({"set": "train", "text", "category", "source", "weight", ...}) and how many it left out as too
poor to train on (the snapshot's stats report them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ProvidedRows:
    rows: list[dict] = field(default_factory=list)
    left_out: int = 0


def text_key(text: str) -> str:
    """A text as the snapshot compares it: case and spacing do not make another row."""
    return " ".join(text.lower().split())


TrainingRowsProvider = Callable[..., ProvidedRows]
_providers: dict[str, TrainingRowsProvider] = {}


def training_rows_provider_register(*, name: str, provider: TrainingRowsProvider) -> None:
    _providers[name] = provider


def training_rows_provided(*, exclude: set[str]) -> tuple[list[dict], int]:
    """Every provider's rows, in name order, none repeating a text already used: (rows, left out)."""
    rows, left_out, used = [], 0, set(exclude)
    for name in sorted(_providers):
        provided = _providers[name](exclude=used)
        fresh = [r for r in provided.rows if text_key(r["text"]) not in used]
        used |= {text_key(r["text"]) for r in fresh}
        rows += fresh
        left_out += provided.left_out
    return rows, left_out

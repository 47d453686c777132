"""How categories are shown to people: display names and guidelines (mlcore.Category), read everywhere.

The name is what the model predicts and every record, API answer and export keeps; people read the
display name. The table is small and read on every page that shows a category, so each process keeps
it for CACHE_SECONDS (two queries per process per CACHE_SECONDS); saving through category_guide_update
clears the saving process's copy at once, every other process reads the change within CACHE_SECONDS."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from core.process import PerProcess
from mlcore.models import Category, NewCategory
from mlcore.selectors import category_names_known

CACHE_SECONDS = 10.0
STARTER_GUIDES = Path(__file__).resolve().parent / "starter" / "category_guides.json"

# Words a name spells in lower case that people write otherwise ("atm_support" -> "ATM support").
_SPELLED = {
    "atm": "ATM", "pin": "PIN", "faq": "FAQ", "sms": "SMS", "id": "ID", "api": "API", "iban": "IBAN", "vat": "VAT",
    "eu": "EU", "uk": "UK", "usd": "USD", "eur": "EUR", "gbp": "GBP", "vip": "VIP", "pdf": "PDF", "url": "URL",
    "visa": "Visa", "mastercard": "Mastercard", "apple": "Apple", "google": "Google", "paypal": "PayPal",
    "klarna": "Klarna",
}


@dataclass(frozen=True)
class CategoryGuide:
    name: str
    display_name: str
    description: str
    examples: tuple[str, ...]


def readable(name: str) -> str:
    """"card_arrival" -> "Card arrival": the display name of a category nobody has named."""
    words = name.replace("_", " ").replace("-", " ").split()
    if not words:
        return name
    out = [_SPELLED.get(w.lower(), w.lower()) for w in words]
    out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


class _GuideCache:
    """This process's copy of the guides; a PerProcess object, so a forked child starts empty with a free lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.expires = 0.0
        self.guides: dict[str, CategoryGuide] | None = None


_cache: PerProcess[_GuideCache] = PerProcess(_GuideCache, name="mlcore.categories guides")


def _guides_read() -> dict[str, CategoryGuide]:
    """Category rows win; a new category without one is described by what it was made with."""
    made_with = {name: (description or "").strip()
                 for name, description in NewCategory.objects.values_list("name", "description")}
    guides = {name: CategoryGuide(name=name, display_name=readable(name), description=d, examples=())
              for name, d in made_with.items()}
    for row in Category.objects.all():
        guides[row.name] = CategoryGuide(
            name=row.name, display_name=row.display_name.strip() or readable(row.name),
            description=row.description.strip() or made_with.get(row.name, ""),
            examples=tuple(line.strip() for line in row.examples.splitlines() if line.strip()),
        )
    return guides


def category_guides() -> dict[str, CategoryGuide]:
    """{name: guide} for every category with a row (or a new category's description), cached per process."""
    cache = _cache.get()
    now = time.monotonic()
    with cache.lock:
        if cache.guides is not None and cache.expires > now:
            return cache.guides
    guides = _guides_read()
    with cache.lock:
        cache.guides, cache.expires = guides, now + CACHE_SECONDS
    return guides


def category_guides_clear() -> None:
    cache = _cache.get()
    with cache.lock:
        cache.guides, cache.expires = None, 0.0


def category_display(name: str) -> str:
    """What people read for a category: its display name, or its name made readable."""
    if not name:
        return ""
    guide = category_guides().get(name)
    return guide.display_name if guide else readable(name)


def category_display_taken(*, name: str, display_name: str) -> str | None:
    """The other category already shown as `display_name` (or as `name` made readable, when it is empty)."""
    wanted = (display_name.strip() or readable(name)).casefold()
    for other in sorted(category_names_known() | set(category_guides())):
        if other != name and category_display(other).casefold() == wanted:
            return other
    return None


def category_display_check(*, name: str, display_name: str) -> str:
    """The display name, stripped; ValidationError when another category is already shown so."""
    shown = display_name.strip()
    other = category_display_taken(name=name, display_name=shown)
    if other:
        raise ValidationError(f"the category {other} is already shown as “{category_display(other)}”")
    return shown


def category_guide(name: str) -> CategoryGuide:
    return category_guides().get(name) or CategoryGuide(name=name, display_name=readable(name), description="",
                                                        examples=())


def category_guide_update(*, name: str, display_name: str = "", description: str = "", examples: str = "") -> Category:
    """Create or change a category's display name and guideline."""
    category, _ = Category.objects.update_or_create(
        name=name, defaults={"display_name": display_name.strip(), "description": description.strip(),
                             "examples": examples.strip()})
    transaction.on_commit(category_guides_clear)
    category_guides_clear()
    return category


def category_rows_ensure() -> int:
    """A Category row for every category the ML core knows of (an admin then names and describes it);
    a new category's row starts with the description it was made with. Returns how many were added."""
    known = category_names_known()
    missing = known - set(Category.objects.filter(name__in=known).values_list("name", flat=True))
    if not missing:
        return 0
    descriptions = dict(NewCategory.objects.filter(name__in=missing).values_list("name", "description"))
    Category.objects.bulk_create([Category(name=name, description=descriptions.get(name, "").strip())
                                  for name in sorted(missing)], ignore_conflicts=True)
    category_guides_clear()
    return len(missing)


def category_guides_starter_load(*, path: Path = STARTER_GUIDES) -> int:
    """The starter categories' display names and guidelines, filled in where an admin has not written one.

    Idempotent: a field an admin filled is never overwritten. Returns how many rows were created or filled."""
    starter = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    with transaction.atomic():
        for name, guide in starter.items():
            wanted = {"display_name": guide.get("display_name", "").strip(),
                      "description": guide.get("description", "").strip(),
                      "examples": "\n".join(e.strip() for e in guide.get("examples", []) if e.strip())}
            category, created = Category.objects.get_or_create(name=name, defaults=wanted)
            if created:
                changed += 1
                continue
            empty = {field: value for field, value in wanted.items() if value and not getattr(category, field).strip()}
            if empty:
                for field, value in empty.items():
                    setattr(category, field, value)
                category.save(update_fields=[*empty, "updated_at"])
                changed += 1
    category_guides_clear()
    return changed

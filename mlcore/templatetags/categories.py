import copy

from django import template
from django.forms import BoundField

from mlcore.categories import category_display

register = template.Library()


@register.filter
def category_name(name: str) -> str:
    """A category's display name: {{ inquiry.category|category_name }}."""
    return category_display(name or "")


@register.filter
def by_category_name(names) -> list[str]:
    """Category names in the order people read them, by display name: {% for c in names|by_category_name %}."""
    return sorted(names, key=lambda name: category_display(name).casefold())


@register.filter
def category_select(field: BoundField) -> str:
    """A form's category <select> with display names as the options' text, in their order, and names as their
    values: {{ form.category|category_select }}. Options without a value ("all categories") stay first as they are."""
    widget = copy.copy(field.field.widget)
    choices = list(field.field.choices)
    blank = [(value, label) for value, label in choices if not value]
    named = sorted(((value, category_display(value)) for value, _ in choices if value), key=lambda c: c[1].casefold())
    widget.choices = blank + named
    return field.as_widget(widget=widget)

"""Answers an annotator can give besides a category. They are stored in Annotation.label like a category;
parentheses keep them apart from category names, which are identifiers."""

NONE_OF_THESE = "(none of these)"
NEW_CATEGORY = "(new category)"
SPECIAL = (NONE_OF_THESE, NEW_CATEGORY)


def answer_is_special(label: str) -> bool:
    return label in SPECIAL

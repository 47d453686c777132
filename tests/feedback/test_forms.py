"""The ticket page's feedback form: one tap per question, the same validation as the dropdowns had."""

import pytest

from feedback.forms import MAX_COMMENT, ExplicitFeedbackForm


def test_every_question_is_a_group_of_radio_buttons_and_nothing_is_cut():
    html = str(ExplicitFeedbackForm())
    assert "<select" not in html
    assert html.count('type="radio" name="helpful"') == 2
    assert html.count('type="radio" name="rating"') == 5
    assert html.count('type="radio" name="nps"') == 11
    assert " maxlength=" not in html and f'data-maxlength="{MAX_COMMENT}"' in html


def test_taps_become_typed_values():
    form = ExplicitFeedbackForm({"helpful": "no", "rating": "4", "nps": "0"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"helpful": False, "rating": 4, "nps": 0, "comment": ""}


def test_an_untouched_question_is_none():
    form = ExplicitFeedbackForm({"comment": "  Quick and kind.  "})
    assert form.is_valid()
    assert form.cleaned_data == {"helpful": None, "rating": None, "nps": None, "comment": "Quick and kind."}


@pytest.mark.parametrize("data", [{"rating": "0"}, {"rating": "6"}, {"nps": "11"}, {"nps": "-1"},
                                  {"helpful": "maybe"}, {"helpful": ""}, {"rating": "", "nps": ""}])
def test_anything_but_a_listed_tap_is_refused(data):
    assert not ExplicitFeedbackForm(data).is_valid()


def test_an_empty_form_asks_for_one_thing():
    form = ExplicitFeedbackForm({})
    assert not form.is_valid() and "at least one thing" in form.non_field_errors()[0]


def test_a_long_comment_is_refused_with_its_length_not_cut():
    form = ExplicitFeedbackForm({"comment": "x" * (MAX_COMMENT + 7)})
    assert not form.is_valid()
    assert form.errors["comment"] == [f"This message is {MAX_COMMENT + 7} characters long; the limit is "
                                      f"{MAX_COMMENT}. Please shorten it and send it again (nothing was sent)."]


def test_line_breaks_count_once_as_the_counter_counts_them():
    text = ("a" * 9 + "\r\n") * (MAX_COMMENT // 10)  # 200 lines of 9 letters
    form = ExplicitFeedbackForm({"comment": text.rstrip() + "b"})  # 2,199 as sent
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["comment"]) == MAX_COMMENT and "\r" not in form.cleaned_data["comment"]

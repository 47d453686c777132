"""The customer's text boxes: a limit that is counted and explained, never a silent cut."""

from supportdesk.forms import MAX_TEXT, FollowUpForm, InquiryForm
from supportdesk.models import Inquiry


def test_the_inquiry_text_has_a_counted_limit_and_no_maxlength():
    html = str(InquiryForm()["text"])
    assert f'data-maxlength="{MAX_TEXT}"' in html and " maxlength=" not in html


def test_text_over_the_limit_is_refused_with_its_length():
    form = InquiryForm({"text": "z" * (MAX_TEXT + 1)})
    assert not form.is_valid()
    assert form.errors["text"] == [f"This message is {MAX_TEXT + 1} characters long; the limit is {MAX_TEXT}. "
                                   "Please shorten it and send it again (nothing was sent)."]
    assert not FollowUpForm({"body": "z" * (MAX_TEXT + 1)}).is_valid()


def test_a_pasted_inquiry_over_the_limit_is_a_400_that_keeps_the_text(client, db):
    text = "My order history, pasted: " + "row; " * 1100 + "end."
    r = client.post("/", {"text": text, "email": "ada@example.com"})
    assert r.status_code == 400
    html = r.content.decode()
    assert f"This message is {len(text)} characters long" in html
    assert text + "</textarea>" in html and 'value="ada@example.com"' in html
    assert not Inquiry.objects.exists()

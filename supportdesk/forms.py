from django import forms

from supportdesk.models import Inquiry

MAX_TEXT = 5000


class InquiryForm(forms.Form):
    text = forms.CharField(
        label="How can we help?", max_length=MAX_TEXT, min_length=1, strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT, "autofocus": True}),
    )
    name = forms.CharField(label="Your name (optional)", max_length=Inquiry._meta.get_field("name").max_length,
                           required=False)
    email = forms.EmailField(label="Email (optional)", required=False)
